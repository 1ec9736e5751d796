using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Runner.Docker;
using Narwhal.Testing;

namespace Narwhal.Bench;

public sealed record EngineBaselineResult(
    int Runs, int Warmup, IReadOnlyList<string> Command, string Limits, int Failed, IReadOnlyList<string> FirstErrors,
    Series CreateReturned, Series StartReturned, Series StartEvent, Series Exit, Series Removed);

/// <summary>Bare containers through DockerEngine with a fixed number in flight (the fleet phase's baseline).</summary>
public sealed record ConcurrentEngineBaselineResult(
    int Containers, int Concurrency, int Warmup, IReadOnlyList<string> Command, string Limits, int Failed, IReadOnlyList<string> FirstErrors,
    double WallSeconds, double ContainersPerSecond, Series CreateToRemoved, IReadOnlyList<string> LeftoversRemoved);

public sealed record CliBaselineResult(int Runs, int Warmup, string CommandLine, int Failed, IReadOnlyList<string> FirstErrors, Series Wall);

/// <summary>
/// Phase 3: the same image and command without Narwhal. (a) Through the project's own
/// <see cref="DockerEngine"/>: create → start → wait → remove, with the container settings the
/// Runner uses; (b) the docker CLI's <c>docker run --rm</c>.
/// </summary>
public static class Baselines
{
    public static async Task<EngineBaselineResult> EngineAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        var bare = BareContainer.New();
        var (instance, command, limits) = (bare.Instance, BareContainer.Command, bare.Limits);

        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        await using var events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, instance, BareContainer.BenchIdLabel, ct);
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
                var spec = bare.Spec(benchId);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(BareContainer.Deadline);
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
                    if (id is not null) await BareContainer.RemoveQuietlyAsync(engine, id);
                }
            }
        }
        finally
        {
            // Nothing of this baseline's instance stays behind, whatever happened.
            await BareContainer.RemoveInstanceAsync(engine, instance, say);
        }

        return new EngineBaselineResult(options.BaselineRuns, options.Warmup, command, limits, failed, errors,
            Series.Of("create returned", created),
            Series.Of("create → start returned", startReturned),
            Series.Of("create → start (event)", startEvent),
            Series.Of("create → exit (wait returned)", exit),
            Series.Of("create → removed", removed));
    }

    /// <summary>
    /// <paramref name="count"/> bare containers, create → start → wait → remove each, with
    /// <paramref name="concurrency"/> of them in flight at any time (workers taking the next one as
    /// theirs ends). Wall time from the first create to the last removal. <paramref name="warmup"/>
    /// containers go through the same path first (JIT, connections) and are not counted.
    /// </summary>
    public static async Task<ConcurrentEngineBaselineResult> EngineConcurrentAsync(int count, int concurrency, int warmup, Action<string> say, CancellationToken ct)
    {
        var bare = BareContainer.New();
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        var durations = new double[count];
        Array.Fill(durations, double.NaN);
        var errors = new List<string>();
        var failed = 0;
        TimeSpan wall;
        List<string> leftovers;
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);

        async Task<double> OneAsync(CancellationToken token) => (await bare.RunAsync(engine, Guid.NewGuid().ToString("N"), token)).CreateToRemovedMs;

        async Task WorkersAsync(int total, Action<int, double> done, Action<int, Exception> fail)
        {
            var next = -1;
            async Task Worker()
            {
                while (Interlocked.Increment(ref next) is var i && i < total && !abort.IsCancellationRequested)
                {
                    try
                    {
                        done(i, await OneAsync(abort.Token));
                    }
                    catch (OperationCanceledException) when (abort.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        fail(i, ex);
                    }
                }
            }
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker, CancellationToken.None)));
        }

        var failureLimit = Math.Max(20, count / 10);
        try
        {
            if (warmup > 0)
            {
                say($"bare containers: warm-up, {warmup} container(s) {concurrency} at a time, not measured…");
                Exception? warmFailure = null;
                await WorkersAsync(warmup, (_, _) => { }, (_, ex) => warmFailure ??= ex);
                if (warmFailure is not null) throw new InvalidOperationException($"A warm-up container failed: {warmFailure.Message}", warmFailure);
            }
            say($"bare containers: {count} × DockerEngine create → start → wait → remove, {concurrency} in flight…");
            var clock = Stopwatch.StartNew();
            await WorkersAsync(count, (i, ms) => durations[i] = ms, (i, ex) =>
            {
                lock (errors)
                {
                    failed++;
                    if (errors.Count < 5) errors.Add($"container {i + 1}: {ex.GetType().Name}: {ex.Message}");
                    if (failed >= failureLimit) abort.Cancel();
                }
            });
            wall = clock.Elapsed;
        }
        finally
        {
            leftovers = await BareContainer.RemoveInstanceAsync(engine, bare.Instance, say);
        }
        ct.ThrowIfCancellationRequested();
        if (abort.IsCancellationRequested)
            throw new InvalidOperationException($"Stopped after {failed} failed bare containers; first errors:\n  {string.Join("\n  ", errors)}");
        var succeeded = count - failed;
        return new ConcurrentEngineBaselineResult(count, concurrency, warmup, BareContainer.Command, bare.Limits, failed, errors,
            wall.TotalSeconds, succeeded / wall.TotalSeconds, Series.Of("bare container create → removed", durations), leftovers);
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
                deadline.CancelAfter(BareContainer.Deadline);
                try
                {
                    await process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    process.Kill(entireProcessTree: true);
                    throw new TimeoutException($"`{commandLine}` did not finish within {BareContainer.Deadline.TotalSeconds:0} s");
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
}
