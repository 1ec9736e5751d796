using System.Diagnostics;
using System.Globalization;
using Dapper;
using Narwhal.Core.Runs;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using static Narwhal.Bench.PhaseStack;

namespace Narwhal.Bench;

/// <summary>
/// Phase 5: a fleet under a burst. N trivial runs (script <c>true</c>) triggered as fast as the Api
/// takes them, served by several Runner processes of their own with S slots each. Checked: every run
/// succeeded, and none was executed twice (container <c>start</c> events per run id, from the Docker
/// events API, subscribed before anything starts). Measured: the whole burst's time and runs/s,
/// pickup latency (claim − queued) under that load, and the same number of bare containers through
/// DockerEngine with as many in flight as the fleet has slots, for comparison.
/// </summary>
public static class FleetPhase
{
    private const string Job = "bench-fleet";
    private const string WarmupJob = "bench-fleet-warmup";
    private static readonly TimeSpan RunnerReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan RunnerStopGrace = TimeSpan.FromSeconds(60);
    /// <summary>No run of the burst ended for this long: something is stuck, stop waiting.</summary>
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan EventSettle = TimeSpan.FromSeconds(15);

    /// <summary>Long enough for the slowest machine this was tried on several times over (about 3 runs/s there).</summary>
    private static TimeSpan WaitDeadline(int runs) => TimeSpan.FromSeconds(120 + runs * 0.6);

    public static async Task<FleetResult> RunAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        var fleet = await WithStackAsync<FleetResult>(say, (stack, scratch, problems) => NarwhalAsync(options, stack, scratch, problems, say, ct),
            (r, l) => r with { LeftoversRemoved = l });
        if (fleet.LeftoversRemoved.Count > 0) fleet = fleet.WithProblem($"left behind and removed afterwards: {string.Join(", ", fleet.LeftoversRemoved)}");

        fleet = fleet with { LoadAfterNarwhal = BenchEnvironmentProbe.LoadAverage() };
        // After the stack and its Runners are gone, so they do not compete with it for the cores.
        var concurrency = options.FleetRunners * options.FleetSlots;
        try
        {
            var bare = await Baselines.EngineConcurrentAsync(options.FleetRuns, concurrency, options.Warmup * options.FleetRunners, say, ct);
            fleet = fleet with { Bare = bare };
            if (bare.Failed > 0) fleet = fleet.WithProblem($"{bare.Failed} of {bare.Containers} bare containers failed; first: {bare.FirstErrors.FirstOrDefault()}");
            if (bare.LeftoversRemoved.Count > 0) fleet = fleet.WithProblem($"bare containers left behind and removed: {string.Join(", ", bare.LeftoversRemoved)}");
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            fleet = fleet.WithProblem($"the bare container baseline failed: {ex.Message}");
        }
        return fleet with { LoadAfterBare = BenchEnvironmentProbe.LoadAverage() };
    }

    private static async Task<FleetResult> NarwhalAsync(BenchOptions options, TestStack stack, string scratch, List<string> problems,
        Action<string> say, CancellationToken ct)
    {
        using (var admin = stack.Client())
        {
            await PutJobAsync(admin, Job, ["true"], ct);
            await PutJobAsync(admin, WarmupJob, ["true"], ct);
        }
        // Subscribed before any Runner starts: every container start of this stack is counted.
        await using var events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, stack.Instance, RunLabels.RunId, ct);

        // The whole fleet: the Dispatcher watches heartbeats and would mark runs of a silent Runner lost
        // (and queue them again): the executed-twice check covers that path too.
        await stack.StartDispatcherAsync(Quiet.Settings);
        var runnerDll = RunnerDll();
        var resultsDir = Path.GetDirectoryName(Path.GetFullPath(options.Output))!;
        var runners = new List<(string Id, string Log, RunnerProcess Process)>();
        var stops = new List<FleetRunnerStop>();
        FleetMeasurement measured;
        try
        {
            say($"starting {options.FleetRunners} Runner processes, {options.FleetSlots} slot(s) each " +
                $"(logs: {Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(resultsDir, "runner-fleet-<n>.log"))})…");
            var ready = Stopwatch.StartNew();
            for (var i = 1; i <= options.FleetRunners; i++)
            {
                var id = $"bench-fleet-{i}";
                var log = Path.Combine(resultsDir, $"runner-fleet-{i}.log");
                var process = RunnerProcess.Start(runnerDll, FleetRunnerSettings(options, stack, id, scratch), log,
                    RunnerPidFile(options, $"fleet-{i}"), stack.Instance);
                runners.Add((id, log, process));
            }
            await Task.WhenAll(runners.Select(r => r.Process.WaitReadyAsync(RunnerReadyTimeout, ct)));
            var readySeconds = ready.Elapsed.TotalSeconds;
            say($"  {runners.Count} Runners ready after {readySeconds:0.0} s (pids {string.Join(", ", runners.Select(r => r.Process.Pid))})");
            var processes = runners.Select(r => r.Process).ToList();

            using var load = TriggerThroughput.LoadClient(stack, options.FleetConcurrency);
            var warmup = options.Warmup * options.FleetRunners;
            if (warmup > 0)
            {
                say($"warm-up: {warmup} runs of {WarmupJob} at once, not measured (JIT in the Runners)…");
                var warm = await TriggerThroughput.FireAsync(load, WarmupJob, warmup, options.FleetConcurrency, ct);
                var warmWait = await WaitUntilTerminalAsync(stack, WarmupJob, warmup - warm.Failed, TimeSpan.FromSeconds(180), processes, say, ct);
                var warmCounts = await StatusCountsAsync(stack, WarmupJob);
                var warmOk = warmCounts.GetValueOrDefault(RunStatus.Succeeded.Name());
                if (warm.Failed > 0 || warmWait.StoppedBecause is not null || warmOk != warmup)
                    throw new InvalidOperationException($"The warm-up failed: {warmOk} of {warmup} runs succeeded ({Describe(warmCounts)}); " +
                        $"{warm.Failed} triggers failed{(warm.Errors.Count > 0 ? $" ({warm.Errors[0]})" : "")}; {warmWait.StoppedBecause ?? "all ended"}");
            }

            say($"measuring: {options.FleetRuns} runs of {Job} triggered at once ({options.FleetConcurrency} requests in flight)…");
            var t0 = WallClock.NowUnixNs();
            var fired = await TriggerThroughput.FireAsync(load, Job, options.FleetRuns, options.FleetConcurrency, ct);
            var triggersDone = WallClock.NowUnixNs();
            var triggered = options.FleetRuns - fired.Failed;
            say($"  {triggered} runs accepted in {fired.Elapsed.TotalSeconds:0.00} s ({triggered / fired.Elapsed.TotalSeconds:0} runs/s); waiting for all to end " +
                $"(deadline {WaitDeadline(options.FleetRuns).TotalSeconds:0} s)…");
            var wait = await WaitUntilTerminalAsync(stack, Job, triggered, WaitDeadline(options.FleetRuns), processes, say, ct);
            if (wait.StoppedBecause is not null) problems.Add($"stopped waiting: {wait.StoppedBecause}");

            var rows = await LoadRunsAsync(stack, Job);
            await SettleEventsAsync(events, rows.Runs, ct);
            measured = new FleetMeasurement(options, t0, triggersDone, fired, wait, rows.Runs, rows.PickupFrom, events, readySeconds,
                runners[0].Process.CommandLine, warmup);
        }
        finally
        {
            // SIGTERM to all at once, then each is waited for (killed after the grace).
            var stopping = runners.Select(async r =>
            {
                var (exitCode, seconds, killed) = await r.Process.StopAsync(RunnerStopGrace);
                await r.Process.DisposeAsync();
                var (warnings, errors, firstError) = await LogLevelsAsync(r.Log);
                return new FleetRunnerStop(r.Id, exitCode, seconds, killed, Path.GetRelativePath(Environment.CurrentDirectory, r.Log), warnings, errors, firstError);
            }).ToList();
            if (stopping.Count > 0) say($"stopping the {stopping.Count} Runners (SIGTERM)…");
            stops.AddRange(await Task.WhenAll(stopping));
        }

        foreach (var stop in stops)
        {
            if (stop.Killed) problems.Add($"Runner {stop.RunnerId} did not exit within {RunnerStopGrace.TotalSeconds:0} s of SIGTERM and was killed (log {stop.Log})");
            else if (stop.ExitCode != 0) problems.Add($"Runner {stop.RunnerId} exited with code {stop.ExitCode} after SIGTERM (log {stop.Log})");
            if (stop.Errors > 0) problems.Add($"Runner {stop.RunnerId} logged {stop.Errors} error(s) (log {stop.Log}); first: {stop.FirstError}");
        }
        if (events.Failure is { } failure) problems.Add($"the Docker events stream failed: {failure.Message}; start counts are incomplete");
        return FleetFigures.Compute(measured, stops, problems);
    }

    /// <summary>Warning and error lines in a Runner's log (NarwhalLogging's console format: "HH:mm:ss.fff WRN …").</summary>
    private static async Task<(int Warnings, int Errors, string? FirstError)> LogLevelsAsync(string path)
    {
        var (warnings, errors, first) = (0, 0, (string?)null);
        try
        {
            foreach (var line in await File.ReadAllLinesAsync(path))
            {
                var text = line.StartsWith("stderr: ", StringComparison.Ordinal) ? line[8..] : line;
                if (text.Length < 17 || text[12] != ' ' || text[16] != ' ') continue;
                switch (text[13..16])
                {
                    case "WRN": warnings++; break;
                    case "ERR" or "FTL": errors++; first ??= text.Length > 300 ? text[..300] + "…" : text; break;
                }
            }
        }
        catch (IOException ex)
        {
            first = $"could not read the log: {ex.Message}";
            errors++;
        }
        return (warnings, errors, first);
    }

    /// <summary>
    /// A fleet Runner's environment. Its slots are the only limit on what it takes: the CPU quota is as
    /// many units as slots (a small run costs one), and the host-CPU gate is at --fleet-cpu-max (100 =
    /// off by default: the Runners, the Api and the load share one host here, so a gate on the host's
    /// CPU would measure this machine's load rather than the fleet; a real fleet has a host per Runner).
    /// </summary>
    private static Dictionary<string, string?> FleetRunnerSettings(BenchOptions options, TestStack stack, string runnerId, string scratch)
    {
        var settings = RunnerProcessSettings(stack, runnerId, options.FleetSlots, scratch);
        settings["NARWHAL_RUNNER_QUOTA_CPU"] = options.FleetSlots.ToString(CultureInfo.InvariantCulture);
        settings["NARWHAL_RUNNER_CPU_MAX_PERCENT"] = options.FleetCpuMax.ToString(CultureInfo.InvariantCulture);
        return settings;
    }

    public static string SetupNote(BenchOptions options) =>
        $"NARWHAL_RUNNER_SLOTS={options.FleetSlots}, NARWHAL_RUNNER_QUOTA_CPU={options.FleetSlots}, " +
        $"NARWHAL_RUNNER_CPU_MAX_PERCENT={options.FleetCpuMax}{(options.FleetCpuMax >= 100 ? " (host-CPU gate off)" : "")}; Api and Dispatcher in-process";

    public sealed record WaitOutcome(long? AllTerminalUnixNs, string? StoppedBecause);

    /// <summary>
    /// Polls the run counts per status in Postgres (one small query, not a GET per run) until
    /// <paramref name="expected"/> runs of <paramref name="job"/> are terminal. Gives up at the deadline,
    /// when no run has ended for <see cref="StallLimit"/>, or when every Runner process has exited.
    /// </summary>
    private static async Task<WaitOutcome> WaitUntilTerminalAsync(TestStack stack, string job, int expected, TimeSpan deadline,
        IReadOnlyList<RunnerProcess> runners, Action<string> say, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (lastTerminal, lastProgress, lastSaid) = (-1, TimeSpan.Zero, TimeSpan.Zero);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (true)
        {
            var counts = await StatusCountsAsync(stack, job);
            var active = counts.GetValueOrDefault(RunStatus.Queued.Name()) + counts.GetValueOrDefault(RunStatus.Running.Name());
            var terminal = counts.Values.Sum() - active;
            if (active == 0 && terminal >= expected) return new WaitOutcome(WallClock.NowUnixNs(), null);
            if (terminal != lastTerminal) (lastTerminal, lastProgress) = (terminal, clock.Elapsed);
            if (clock.Elapsed - lastSaid >= TimeSpan.FromSeconds(20))
            {
                lastSaid = clock.Elapsed;
                if (clock.Elapsed > TimeSpan.FromSeconds(1)) say($"  {clock.Elapsed.TotalSeconds:0} s: {terminal} of {expected} ended ({Describe(counts)})");
            }
            string? stop = null;
            if (clock.Elapsed > deadline) stop = $"{terminal} of {expected} runs ended within the deadline of {deadline.TotalSeconds:0} s";
            else if (clock.Elapsed - lastProgress > StallLimit) stop = $"no run ended for {StallLimit.TotalSeconds:0} s ({terminal} of {expected} ended)";
            else if (runners.All(r => r.HasExited)) stop = $"every Runner process exited ({terminal} of {expected} ended)";
            if (stop is not null) return new WaitOutcome(null, $"{stop}: {Describe(counts)}");
            await timer.WaitForNextTickAsync(ct);
        }
    }

    private static async Task<Dictionary<string, int>> StatusCountsAsync(TestStack stack, string job)
    {
        await using var connection = await stack.Database.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Status, int Count)>(
            "SELECT status, count(*)::int FROM runs WHERE job_name = @job GROUP BY status", new { job });
        return rows.ToDictionary(r => r.Status, r => r.Count, StringComparer.Ordinal);
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "no runs" : string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Value} {c.Key}"));

    /// <summary>
    /// Every run of <paramref name="job"/> with its times, all from Postgres's clock (the same host's
    /// CLOCK_REALTIME as the Docker events and this process). Pickup is measured from queued_at
    /// (migrations/0006); a database without that column falls back to created_at, and says so.
    /// </summary>
    private static async Task<(List<FleetRun> Runs, string PickupFrom)> LoadRunsAsync(TestStack stack, string job)
    {
        await using var connection = await stack.Database.DataSource.OpenConnectionAsync();
        var hasQueuedAt = await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'runs' AND column_name = 'queued_at')");
        var queued = hasQueuedAt ? "queued_at" : "created_at";
        var runs = await connection.QueryAsync<FleetRun>(
            $"""
             SELECT id AS Id, status AS Status, status_reason AS StatusReason, runner_id AS RunnerId, attempt AS Attempt,
                    created_at AS CreatedAt, {queued} AS QueuedAt, started_at AS StartedAt, finished_at AS FinishedAt
             FROM runs WHERE job_name = @job ORDER BY created_at, id
             """, new { job });
        return (runs.ToList(), hasQueuedAt ? "queued_at" : "created_at (this database has no runs.queued_at: migrations/0006 not applied)");
    }

    /// <summary>Events are delivered a little after they happen: wait (bounded) until every claimed run's start has arrived.</summary>
    private static async Task SettleEventsAsync(DockerEventStream events, List<FleetRun> runs, CancellationToken ct)
    {
        var claimed = runs.Where(r => r.StartedAt is not null).Select(r => r.Id.ToString()).ToList();
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (clock.Elapsed < EventSettle && events.Failure is null && claimed.Any(id => events.First(id, "start") is null))
            await timer.WaitForNextTickAsync(ct);
    }
}
