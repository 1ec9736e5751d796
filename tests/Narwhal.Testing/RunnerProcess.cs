namespace Narwhal.Testing;

/// <summary>
/// A Runner as an OS process of its own (<c>dotnet Narwhal.Runner.dll</c>), so a test can kill it with SIGKILL
/// mid-run. Disposing stops it gracefully (SIGTERM, then SIGKILL after 60 s).
/// </summary>
public sealed class RunnerProcess : AppProcess
{
    private RunnerProcess(string runnerId, IReadOnlyDictionary<string, string?> settings)
        : base("Narwhal.Runner", $"Runner {runnerId}", "NARWHAL_RUNNER_LISTEN",
            new Dictionary<string, string?>(settings) { ["NARWHAL_RUNNER_ID"] = runnerId }, url: null, output: null, TimeSpan.FromSeconds(60))
    {
        RunnerId = runnerId;
    }

    public string RunnerId { get; }

    /// <summary>Starts the Runner with exactly <paramref name="settings"/> as its NARWHAL_* environment (nothing inherited).</summary>
    public static RunnerProcess Start(string runnerId, IReadOnlyDictionary<string, string?> settings) => new(runnerId, settings);
}
