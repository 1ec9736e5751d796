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
        var fleet = new RunnerFleet(options, stack, scratch, "fleet", options.FleetSlots, options.FleetCpuMax);
        IReadOnlyList<FleetRunnerStop> stops;
        FleetMeasurement measured;
        try
        {
            await fleet.StartAsync(options.FleetRunners, say, ct);
            var processes = fleet.Processes;

            using var load = TriggerThroughput.LoadClient(stack, options.FleetConcurrency);
            var warmup = options.Warmup * options.FleetRunners;
            if (warmup > 0)
            {
                say($"warm-up: {warmup} runs of {WarmupJob} at once, not measured (JIT in the Runners)…");
                var warm = await TriggerThroughput.FireAsync(load, WarmupJob, warmup, options.FleetConcurrency, ct);
                var warmWait = await TerminalWait.UntilAsync(() => StatusCountsAsync(stack, WarmupJob), warmup - warm.Failed, TimeSpan.FromSeconds(180), processes, say, ct);
                var warmCounts = await StatusCountsAsync(stack, WarmupJob);
                var warmOk = warmCounts.GetValueOrDefault(RunStatus.Succeeded.Name());
                if (warm.Failed > 0 || warmWait.StoppedBecause is not null || warmOk != warmup)
                    throw new InvalidOperationException($"The warm-up failed: {warmOk} of {warmup} runs succeeded ({TerminalWait.Describe(warmCounts)}); " +
                        $"{warm.Failed} triggers failed{(warm.Errors.Count > 0 ? $" ({warm.Errors[0]})" : "")}; {warmWait.StoppedBecause ?? "all ended"}");
            }

            say($"measuring: {options.FleetRuns} runs of {Job} triggered at once ({options.FleetConcurrency} requests in flight)…");
            var t0 = WallClock.NowUnixNs();
            var fired = await TriggerThroughput.FireAsync(load, Job, options.FleetRuns, options.FleetConcurrency, ct);
            var triggersDone = WallClock.NowUnixNs();
            var triggered = options.FleetRuns - fired.Failed;
            say($"  {triggered} runs accepted in {fired.Elapsed.TotalSeconds:0.00} s ({triggered / fired.Elapsed.TotalSeconds:0} runs/s); waiting for all to end " +
                $"(deadline {WaitDeadline(options.FleetRuns).TotalSeconds:0} s)…");
            var wait = await TerminalWait.UntilAsync(() => StatusCountsAsync(stack, Job), triggered, WaitDeadline(options.FleetRuns), processes, say, ct);
            if (wait.StoppedBecause is not null) problems.Add($"stopped waiting: {wait.StoppedBecause}");

            var rows = await LoadRunsAsync(stack, Job);
            await events.SettleAsync(rows.Runs.Where(r => r.StartedAt is not null).Select(r => r.Id.ToString()).ToList(), "start", EventSettle, ct);
            measured = new FleetMeasurement(options, t0, triggersDone, fired, wait, rows.Runs, rows.PickupFrom, events, fleet.ReadySeconds,
                fleet.Command, warmup);
        }
        finally
        {
            stops = await fleet.StopAsync(say);
        }

        problems.AddRange(RunnerFleet.Problems(stops));
        if (events.Failure is { } failure) problems.Add($"the Docker events stream failed: {failure.Message}; start counts are incomplete");
        return FleetFigures.Compute(measured, stops, problems);
    }

    public static string SetupNote(BenchOptions options) => RunnerFleet.SetupNote(options.FleetSlots, options.FleetCpuMax);

    private static Task<Dictionary<string, int>> StatusCountsAsync(TestStack stack, string job) =>
        TerminalWait.CountsAsync(stack, "SELECT status, count(*)::int FROM runs WHERE job_name = @job GROUP BY status", new { job });

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
}
