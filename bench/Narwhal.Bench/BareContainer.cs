using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Narwhal.Runner;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;

namespace Narwhal.Bench;

/// <summary>
/// The container a Runner with default settings makes of the script <c>true</c>, without Narwhal: the
/// same image, Cmd and limits, and (through <see cref="DockerContainerConfig"/>) the same security
/// settings. Every one carries the baseline's own instance label, so whatever is left is found and removed.
/// </summary>
public sealed record BareContainer(string Instance, RunnerSettings Runner)
{
    /// <summary>Labels each baseline container with an id of its own, to match its Docker events.</summary>
    public const string BenchIdLabel = "org.narwhal.bench-id";

    /// <summary>How long one container may take from create to removal.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>What ContainerSpecFactory makes of the script ["true"].</summary>
    public static readonly IReadOnlyList<string> Command = ["/bin/sh", "-c", "set -e\ntrue"];

    public static BareContainer New()
    {
        var instance = $"{TestEnvironment.InstancePrefix}-base-{Guid.NewGuid():N}"[..Math.Min(40, TestEnvironment.InstancePrefix.Length + 14)];
        // The limits a Runner with default settings puts on a job container.
        var runner = RunnerSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["NARWHAL_INSTANCE"] = instance }).Build());
        return new BareContainer(instance, runner);
    }

    public string Limits => $"memory {Runner.JobMemoryBytes / 1024 / 1024} MiB, {Runner.JobNanoCpus / 1e9:0.##} CPUs, {Runner.JobPidsLimit} pids";

    public ContainerSpec Spec(string benchId) => new()
    {
        Name = $"narwhal-{Instance}-{benchId}",
        Image = TestEnvironment.BusyboxImage,
        Command = Command,
        Environment = new Dictionary<string, string> { ["CI"] = "true" },
        Labels = new Dictionary<string, string> { [RunLabels.Instance] = Instance, [BenchIdLabel] = benchId },
        MemoryBytes = Runner.JobMemoryBytes,
        NanoCpus = Runner.JobNanoCpus,
        PidsLimit = Runner.JobPidsLimit,
    };

    /// <summary>
    /// One container, create → start → wait → remove; it must exit 0. Removed whatever fails. Returns the wall clock
    /// just before the create call (to set against its Docker events) and the time to its removal.
    /// </summary>
    public async Task<(long CreateSentUnixNs, double CreateToRemovedMs)> RunAsync(DockerEngine engine, string benchId, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Deadline);
        var sent = WallClock.NowUnixNs();
        var clock = Stopwatch.StartNew();
        string? id = null;
        try
        {
            id = await engine.CreateContainerAsync(Spec(benchId), deadline.Token);
            await engine.StartContainerAsync(id, deadline.Token);
            var code = await engine.WaitAsync(id, deadline.Token);
            await engine.RemoveAsync(id, deadline.Token);
            id = null;
            if (code != 0) throw new InvalidOperationException($"container exited {code}");
            return (sent, clock.Elapsed.TotalMilliseconds);
        }
        finally
        {
            if (id is not null) await RemoveQuietlyAsync(engine, id);
        }
    }

    /// <summary>Removes every container labelled with <paramref name="instance"/>; returns what it found ("container &lt;id&gt; (state)").</summary>
    public static async Task<List<string>> RemoveInstanceAsync(DockerEngine engine, string instance, Action<string> say)
    {
        var found = new List<string>();
        try
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var left in await engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.Instance] = instance }, cleanup.Token))
            {
                found.Add($"container {left.Id[..12]} ({left.State})");
                await RemoveQuietlyAsync(engine, left.Id);
            }
        }
        catch (Exception ex)
        {
            say($"warning: could not list/remove leftover baseline containers (label {RunLabels.Instance}={instance}): {ex.Message}");
            found.Add($"cleanup failed: {ex.Message}");
        }
        return found;
    }

    public static async Task RemoveQuietlyAsync(DockerEngine engine, string id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await engine.RemoveAsync(id, timeout.Token);
        }
        catch
        {
            // Still there: the instance listing at the end of the baseline finds it and reports it.
        }
    }
}
