using System.Text.Json;

namespace Narwhal.Cli.Tests;

/// <summary>Runs the CLI in-process with captured stdout/stderr and a private config directory.</summary>
public sealed class Cli : IDisposable
{
    public Cli(Uri? url = null, string? token = null)
    {
        ConfigHome = Path.Combine(Path.GetTempPath(), "narwhal-cli-tests-" + Guid.NewGuid().ToString("N"));
        Env = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = ConfigHome, ["HOME"] = ConfigHome };
        if (url is not null) Env["NARWHAL_URL"] = url.ToString();
        if (token is not null) Env["NARWHAL_TOKEN"] = token;
    }

    public string ConfigHome { get; }
    public Dictionary<string, string?> Env { get; }

    public async Task<Result> RunAsync(params string[] args) => await RunWithStdinAsync(null, args);

    public async Task<Result> RunWithStdinAsync(string? stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var code = await Program.RunAsync(args, stdout, stderr, Env, stdin is null ? null : new StringReader(stdin), ct: deadline.Token);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(ConfigHome)) Directory.Delete(ConfigHome, recursive: true);
    }
}

public sealed record Result(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement.Clone();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
