using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Runner;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;

namespace Narwhal.Bench;

public sealed record EngineBaselineResult(
    int Runs, int Warmup, IReadOnlyList<string> Command, string Limits, int Failed, IReadOnlyList<string> FirstErrors,
    Series CreateReturned, Series StartReturned, Series StartEvent, Series Exit, Series Removed);

public sealed record CliBaselineResult(int Runs, int Warmup, string CommandLine, int Failed, IReadOnlyList<string> FirstErrors, Series Wall);

/// <summary>
/// Phase 3: the same image and command without Narwhal. (a) Through the project's own
/// <see cref="DockerEngine"/>: create → start → wait → remove, with the container settings the
/// Runner uses; (b) the docker CLI's <c>docker run --rm</c>.
/// </summary>
public static class Baselines
{
    private const string BenchIdLabel = "org.narwhal.bench-id";
    private static readonly TimeSpan ContainerDeadline = TimeSpan.FromSeconds(60);

    public static async Task<EngineBaselineResult> EngineAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        var instance = $"{TestEnvironment.InstancePrefix}-base-{Guid.NewGuid():N}"[..Math.Min(40, TestEnvironment.InstancePrefix.Length + 14)];
        // The limits a Runner with default settings puts on a job container.
        var runner = RunnerSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["NARWHAL_INSTANCE"] = instance }).Build());
        // What ContainerSpecFactory makes of the script ["true"].
        IReadOnlyList<string> command = ["/bin/sh", "-c", "set -e\ntrue"];
        var limits = $"memory {runner.JobMemoryBytes / 1024 / 1024} MiB, {runner.JobNanoCpus / 1e9:0.##} CPUs, {runner.JobPidsLimit} pids";

        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        await using var events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, instance, BenchIdLabel, ct);
        var created = new List<double>();
        var startReturned = new List<double>();
        var startEvent = new List<double>();
        var exit = new List<double>();
        var removed = new List<double>();
        var errors = new List<string>();
        var failed = 0;
        try
        {
            if (options.Warmup > 0) say($"warm-up: {options.Warmup} container(s), not measured…");
            say($"measuring: {options.BaselineRuns} × DockerEngine create → start → wait → remove…");
            for (var i = -options.Warmup; i < options.BaselineRuns; i++)
            {
                var benchId = Guid.NewGuid().ToString("N");
                var spec = new ContainerSpec
                {
                    Name = $"narwhal-{instance}-{benchId}",
                    Image = TestEnvironment.BusyboxImage,
                    Command = command,
                    Environment = new Dictionary<string, string> { ["CI"] = "true" },
                    Labels = new Dictionary<string, string> { [RunLabels.Instance] = instance, [BenchIdLabel] = benchId },
                    MemoryBytes = runner.JobMemoryBytes,
                    NanoCpus = runner.JobNanoCpus,
                    PidsLimit = runner.JobPidsLimit,
                };
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(ContainerDeadline);
                string? id = null;
                try
                {
                    var wallStart = WallClock.NowUnixNs();
                    var clock = Stopwatch.StartNew();
                    id = await engine.CreateContainerAsync(spec, deadline.Token);
                    var tCreated = clock.Elapsed.TotalMilliseconds;
                    await engine.StartContainerAsync(id, deadline.Token);
                    var tStarted = clock.Elapsed.TotalMilliseconds;
                    var code = await engine.WaitAsync(id, deadline.Token);
                    var tExit = clock.Elapsed.TotalMilliseconds;
                    await engine.RemoveAsync(id, deadline.Token);
                    var tRemoved = clock.Elapsed.TotalMilliseconds;
                    id = null;
                    var start = await events.WaitAsync(benchId, "start", TimeSpan.FromSeconds(15), ct);
                    if (code != 0) throw new InvalidOperationException($"container exited {code}");
                    if (i < 0) continue;
                    created.Add(tCreated);
                    startReturned.Add(tStarted);
                    startEvent.Add(WallClock.Ms(wallStart, start.TimeNano));
                    exit.Add(tExit);
                    removed.Add(tRemoved);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    if (i < 0) throw new InvalidOperationException($"Warm-up container failed: {ex.Message}", ex);
                    failed++;
                    if (errors.Count < 5) errors.Add($"container {i + 1}: {ex.GetType().Name}: {ex.Message}");
                    if (failed >= Math.Max(5, options.BaselineRuns / 10))
                        throw new InvalidOperationException($"Stopped after {failed} failed containers; first errors:\n  {string.Join("\n  ", errors)}");
                }
                finally
                {
                    if (id is not null) await RemoveQuietlyAsync(engine, id);
                }
            }
        }
        finally
        {
            // Nothing of this baseline's instance stays behind, whatever happened.
            try
            {
                using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                foreach (var left in await engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.Instance] = instance }, cleanup.Token))
                    await RemoveQuietlyAsync(engine, left.Id);
            }
            catch (Exception ex)
            {
                say($"warning: could not list/remove leftover baseline containers (label {RunLabels.Instance}={instance}): {ex.Message}");
            }
        }

        return new EngineBaselineResult(options.BaselineRuns, options.Warmup, command, limits, failed, errors,
            Series.Of("create returned", created),
            Series.Of("create → start returned", startReturned),
            Series.Of("create → start (event)", startEvent),
            Series.Of("create → exit (wait returned)", exit),
            Series.Of("create → removed", removed));
    }

    public static async Task<CliBaselineResult> CliAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        string[] args = ["run", "--rm", TestEnvironment.BusyboxImage, "true"];
        var commandLine = "docker " + string.Join(' ', args);
        var wall = new List<double>();
        var errors = new List<string>();
        var failed = 0;
        say($"measuring: {options.BaselineRuns} × `{commandLine}` (after {options.Warmup} unmeasured)…");
        for (var i = -options.Warmup; i < options.BaselineRuns; i++)
        {
            var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args) info.ArgumentList.Add(arg);
            info.Environment["DOCKER_HOST"] = TestEnvironment.DockerHost;
            string? error = null;
            var clock = Stopwatch.StartNew();
            try
            {
                using var process = Process.Start(info) ?? throw new InvalidOperationException("docker did not start");
                var stdout = process.StandardOutput.ReadToEndAsync(ct);
                var stderr = process.StandardError.ReadToEndAsync(ct);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(ContainerDeadline);
                try
                {
                    await process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    process.Kill(entireProcessTree: true);
                    throw new TimeoutException($"`{commandLine}` did not finish within {ContainerDeadline.TotalSeconds:0} s");
                }
                var elapsed = clock.Elapsed.TotalMilliseconds;
                await Task.WhenAll(stdout, stderr);
                if (process.ExitCode != 0) error = $"exit code {process.ExitCode}: {(await stderr).Trim()}";
                else if (i >= 0) wall.Add(elapsed);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                error = $"{ex.GetType().Name}: {ex.Message}";
            }
            if (error is null) continue;
            if (i < 0) throw new InvalidOperationException($"Warm-up `{commandLine}` failed: {error}");
            failed++;
            if (errors.Count < 5) errors.Add($"run {i + 1}: {error}");
            if (failed >= Math.Max(5, options.BaselineRuns / 10))
                throw new InvalidOperationException($"Stopped after {failed} failed `{commandLine}`; first errors:\n  {string.Join("\n  ", errors)}");
        }
        return new CliBaselineResult(options.BaselineRuns, options.Warmup, commandLine, failed, errors, Series.Of("docker run --rm wall time", wall));
    }

    private static async Task RemoveQuietlyAsync(DockerEngine engine, string id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await engine.RemoveAsync(id, timeout.Token);
        }
        catch
        {
            // Reported by the leftover listing in EngineAsync's finally if it is still there.
        }
    }
}
