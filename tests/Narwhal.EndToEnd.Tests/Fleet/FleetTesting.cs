using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Fleet;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;

namespace Narwhal.EndToEnd.Tests.Fleet;

/// <summary>What the fleet tests share: short timings, Runner processes of the stack, containers by label, the Dispatcher's HTTP.</summary>
internal static class FleetTesting
{
    public static readonly TimeSpan OfflineTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Heartbeat 1 s, offline after 5 s, a scan every second.</summary>
    public static Dictionary<string, string?> DispatcherSettings(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["NARWHAL_HEARTBEAT_INTERVAL_SECONDS"] = "1",
            ["NARWHAL_RUNNER_OFFLINE_SECONDS"] = OfflineTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["NARWHAL_FLEET_CHECK_SECONDS"] = "1",
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        return settings;
    }

    /// <summary>Settings for a Runner of this stack (in-process or its own process): one slot of class small, heartbeats every second.</summary>
    public static Dictionary<string, string?> RunnerSettings(TestStack stack, IDictionary<string, string?>? overrides = null)
    {
        var settings = stack.CommonSettings();
        settings["NARWHAL_RUNNER_CLASSES"] = "small";
        settings["NARWHAL_RUNNER_SLOTS"] = "1";
        settings["NARWHAL_RUNNER_SHUTDOWN_GRACE"] = "5";
        settings["NARWHAL_JOB_STOP_GRACE"] = "1";
        settings["NARWHAL_HEARTBEAT_INTERVAL_SECONDS"] = "1";
        // A busy 2-core test machine must not make the Runner refuse runs.
        settings["NARWHAL_RUNNER_CPU_MAX_PERCENT"] = "100";
        settings["NARWHAL_RUNNER_MIN_FREE_DISK_MB"] = "0";
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        return settings;
    }

    public static async Task<RunnerProcess> StartRunnerProcessAsync(TestStack stack, string runnerId)
    {
        var runner = RunnerProcess.Start(runnerId, RunnerSettings(stack));
        try
        {
            await runner.WaitReadyAsync();
            return runner;
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
    }

    public static async Task<JsonElement> GetAutoscaleAsync(Uri dispatcher)
    {
        using var http = new HttpClient { BaseAddress = dispatcher, Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetFromJsonAsync<JsonElement>("/autoscale");
    }

    public static JsonElement Class(JsonElement autoscale, string resourceClass) =>
        autoscale.GetProperty("classes").EnumerateArray().Single(c => c.GetProperty("class").GetString() == resourceClass);

    public static Task<RunnerInfo?> RunnerAsync(TestStack stack, string runnerId) =>
        new RunnerStore(stack.Database.DataSource).GetAsync(runnerId, CancellationToken.None);

    /// <summary>Containers of this stack's instance with the given labels (run id, runner id…).</summary>
    public static async Task<IReadOnlyList<ContainerSummary>> ContainersAsync(TestStack stack, string label, string value)
    {
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        return await engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.Instance] = stack.Instance, [label] = value },
            CancellationToken.None);
    }

    /// <summary>Removes every container of the stack's instance (what killed Runner processes left).</summary>
    public static async Task RemoveContainersAsync(TestStack stack)
    {
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        foreach (var container in await engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.Instance] = stack.Instance }, CancellationToken.None))
            await engine.RemoveAsync(container.Id, CancellationToken.None);
    }
}
