using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using static Narwhal.Bench.PhaseStack;

namespace Narwhal.Bench;

/// <summary>
/// Phase 7: pipelines. A fan-out/fan-in graph of trivial steps (<c>start</c> → <c>p01..p20</c> → <c>end</c>) on a
/// fleet of Runner processes. Measured: (a) how soon a step's container starts once what it needs has ended, beside a
/// bare container's create → start; (b) a pipeline's wall time against the same critical path of bare containers (run
/// between the pipelines);
/// (c) a burst of pipelines at once, checked: all succeed, every step's container started exactly once.
/// </summary>
public static class PipelinePhase
{
    private const string Job = "bench-pipeline";
    private const string BurstJob = "bench-pipeline-burst";
    private const string WarmupJob = "bench-pipeline-warmup";
    public const int Width = 20;
    private static readonly TimeSpan PipelineDeadline = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan EventSettle = TimeSpan.FromSeconds(15);

    /// <summary>The steps in file order: <c>start</c>, <c>p01</c>…<c>p20</c>, <c>end</c>.</summary>
    public static readonly IReadOnlyList<string> Keys = ["start", .. ParallelKeys(), "end"];

    private static IEnumerable<string> ParallelKeys() => Enumerable.Range(1, Width).Select(i => $"p{i:00}");

    /// <summary>Generous: a 2-core machine at load average 50-70 ran 0.3-0.5 steps/s (a stuck burst is caught by the stall limit first).</summary>
    private static TimeSpan BurstDeadline(int pipelines) => TimeSpan.FromSeconds(120 + pipelines * Keys.Count * 3.0);

    /// <summary>The key Docker events are counted by: the step's pipeline run and its key.</summary>
    public static string EventKey(Guid pipelineRunId, string step) => $"{pipelineRunId}/{step}";

    public static async Task<PipelineResult> RunAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        var result = await WithStackAsync<PipelineResult>(say, (stack, scratch, problems) => NarwhalAsync(options, stack, scratch, problems, say, ct),
            (r, l) => r with { LeftoversRemoved = l });
        if (result.LeftoversRemoved.Count > 0) result = result.WithProblem($"left behind and removed afterwards: {string.Join(", ", result.LeftoversRemoved)}");
        return result;
    }

    private static async Task<PipelineResult> NarwhalAsync(BenchOptions options, TestStack stack, string scratch, List<string> problems,
        Action<string> say, CancellationToken ct)
    {
        using var admin = stack.Client();
        admin.Timeout = TimeSpan.FromSeconds(30);
        foreach (var job in new[] { Job, BurstJob, WarmupJob }) await PutPipelineAsync(admin, job, ct);
        // Subscribed before any Runner starts: every container start of this stack is counted, per pipeline run and step.
        await using var events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, stack.Instance, $"{RunLabels.PipelineRunId}/{RunLabels.Step}",
            labels => labels.TryGetValue(RunLabels.PipelineRunId, out var run) && labels.TryGetValue(RunLabels.Step, out var step) ? $"{run}/{step}" : null, ct);

        // The Dispatcher would mark the steps of a silent Runner lost (and queue them again): the once-check covers that path too.
        await stack.StartDispatcherAsync(Quiet.Settings);
        var fleet = new RunnerFleet(options, stack, scratch, "pipelines", options.PipelineSlots, options.FleetCpuMax);
        // The bare paths run between the pipelines (the Runners idle meanwhile): both see the machine as it is at that moment.
        await using var bare = await BareCriticalPath.OpenAsync(Width, options.PipelineRunners * options.PipelineSlots, ct);
        IReadOnlyList<FleetRunnerStop> stops;
        BareCriticalPathResult bareResult;
        PipelineMeasurement measured;
        try
        {
            await fleet.StartAsync(options.PipelineRunners, say, ct);
            var warmup = Math.Min(1, options.Warmup);
            if (warmup > 0)
            {
                say($"warm-up: one pipeline of {WarmupJob} ({Keys.Count} steps) and one bare path, not measured (JIT in the Runners)…");
                var (_, _, status) = await OnePipelineAsync(admin, stack, WarmupJob, fleet.Processes, ct);
                if (status != RunStatus.Succeeded.Name()) throw new InvalidOperationException($"The warm-up pipeline ended {status}.");
                await bare.RunAsync(warmup: true, ct);
            }

            say($"measuring: {options.Pipelines} pipelines of {Job} one at a time (trigger, wait for the end), each followed by a bare path " +
                $"(1 container, {Width} with {options.PipelineRunners * options.PipelineSlots} in flight, 1 container)…");
            var sequential = new List<(Guid Id, long T0UnixNs)>();
            var failed = 0;
            for (var i = 0; i < options.Pipelines; i++)
            {
                var (id, t0, status) = await OnePipelineAsync(admin, stack, Job, fleet.Processes, ct);
                sequential.Add((id, t0));
                await bare.RunAsync(warmup: false, ct);
                // Counted and reported with the figures; only a run of them stops the phase.
                if (status != RunStatus.Succeeded.Name() && ++failed >= 3) throw new InvalidOperationException($"Stopped after {failed} pipelines that did not succeed.");
            }

            var burst = await BurstAsync(options, stack, fleet.Processes, problems, say, ct);
            var parents = await LoadParentsAsync(stack, [Job, BurstJob]);
            var steps = await LoadStepsAsync(stack, parents.Select(p => p.Id).ToArray());
            await events.SettleAsync(steps.Where(s => s.StartedAt is not null).Select(s => EventKey(s.ParentRunId, s.Key)).ToList(), "start", EventSettle, ct);
            measured = new PipelineMeasurement(options, sequential, burst.T0UnixNs, burst.Fired, burst.Wait, parents, steps, events, warmup);
        }
        finally
        {
            stops = await fleet.StopAsync(say);
            bareResult = await bare.ResultAsync(say);
        }

        problems.AddRange(RunnerFleet.Problems(stops));
        if (events.Failure is { } failure) problems.Add($"the Docker events stream failed: {failure.Message}; start counts are incomplete");
        if (bareResult.Failed > 0) problems.Add($"{bareResult.Failed} of {bareResult.Paths} bare critical paths failed; first: {bareResult.FirstErrors.FirstOrDefault()}");
        if (bareResult.LeftoversRemoved.Count > 0) problems.Add($"bare containers left behind and removed: {string.Join(", ", bareResult.LeftoversRemoved)}");
        return PipelineFigures.Compute(measured, fleet.ReadySeconds, fleet.Command, stops, problems) with { Bare = bareResult };
    }

    /// <summary>A freestyle job whose steps are <see cref="Keys"/>: every step runs the job's script <c>true</c>.</summary>
    private static async Task PutPipelineAsync(HttpClient client, string name, CancellationToken ct)
    {
        var steps = new Dictionary<string, object> { ["start"] = new { } };
        foreach (var key in ParallelKeys()) steps[key] = new { needs = new[] { "start" } };
        steps["end"] = new { needs = ParallelKeys().ToArray() };
        var body = new { type = "freestyle", image = TestEnvironment.BusyboxImage, script = new[] { "true" }, steps };
        var put = await client.PutAsJsonAsync($"/jobs/{name}", body, Json.Options, ct);
        if (put.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
            throw new InvalidOperationException($"PUT /jobs/{name} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>Triggers one pipeline and waits (polling its row) until it ended: its id, the wall clock before the POST, its status.</summary>
    private static async Task<(Guid Id, long T0UnixNs, string Status)> OnePipelineAsync(HttpClient client, TestStack stack, string job,
        IReadOnlyList<RunnerProcess> runners, CancellationToken ct)
    {
        var t0 = WallClock.NowUnixNs();
        var id = Guid.Parse((await client.TriggerAsync(job)).Str("id"));
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (true)
        {
            var status = await stack.Database.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id });
            if (RunStatusNames.Parse(status).IsTerminal()) return (id, t0, status);
            if (clock.Elapsed > PipelineDeadline) throw new TimeoutException($"Pipeline {id} of {job} did not end within {PipelineDeadline.TotalSeconds:0} s (status {status}).");
            if (runners.All(r => r.HasExited)) throw new InvalidOperationException($"Every Runner process exited while pipeline {id} of {job} was {status}.");
            await timer.WaitForNextTickAsync(ct);
        }
    }

    private sealed record Burst(long T0UnixNs, TriggerThroughput.Fired Fired, TerminalWait.Outcome Wait);

    /// <summary>--pipeline-burst pipelines, every trigger in flight at once; waits until all their runs (pipelines and steps) ended.</summary>
    private static async Task<Burst> BurstAsync(BenchOptions options, TestStack stack, IReadOnlyList<RunnerProcess> runners, List<string> problems,
        Action<string> say, CancellationToken ct)
    {
        var count = options.PipelineBurst;
        say($"measuring: {count} pipelines of {BurstJob} triggered at once ({count * Keys.Count} steps)…");
        using var load = TriggerThroughput.LoadClient(stack, count);
        var t0 = WallClock.NowUnixNs();
        var fired = await TriggerThroughput.FireAsync(load, BurstJob, count, count, ct);
        var triggered = count - fired.Failed;
        say($"  {triggered} pipelines accepted in {fired.Elapsed.TotalSeconds:0.00} s; waiting for all to end (deadline {BurstDeadline(count).TotalSeconds:0} s)…");
        // Counted over the pipelines and their steps: progress shows long before the first pipeline ends.
        var wait = await TerminalWait.UntilAsync(
            () => TerminalWait.CountsAsync(stack, "SELECT status, count(*)::int FROM runs WHERE job_name = @job GROUP BY status", new { job = BurstJob }),
            triggered * (1 + Keys.Count), BurstDeadline(count), runners, say, ct);
        if (wait.StoppedBecause is not null) problems.Add($"burst: stopped waiting: {wait.StoppedBecause}");
        return new Burst(t0, fired, wait);
    }

    private static async Task<List<PipelineRow>> LoadParentsAsync(TestStack stack, string[] jobs)
    {
        await using var connection = await stack.Database.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<PipelineRow>(
            """
            SELECT id AS Id, job_name AS JobName, status AS Status, status_reason AS StatusReason, pipeline AS Pipeline,
                   created_at AS CreatedAt, finished_at AS FinishedAt
            FROM runs WHERE job_name = ANY(@jobs) AND parent_run_id IS NULL ORDER BY created_at, id
            """, new { jobs });
        return rows.ToList();
    }

    /// <summary>Every step row of these pipelines (superseded attempts too), times from Postgres's clock.</summary>
    private static async Task<List<StepRow>> LoadStepsAsync(TestStack stack, Guid[] parents)
    {
        await using var connection = await stack.Database.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<StepRow>(
            """
            SELECT r.id AS Id, s.parent_run_id AS ParentRunId, s.key AS Key, s.needs AS Needs, r.status AS Status, r.status_reason AS StatusReason,
                   r.runner_id AS RunnerId, r.attempt AS Attempt, s.step_attempt AS StepAttempt, s.superseded_at IS NOT NULL AS Superseded,
                   r.queued_at AS QueuedAt, r.started_at AS StartedAt, r.finished_at AS FinishedAt
            FROM run_steps s JOIN runs r ON r.id = s.run_id
            WHERE s.parent_run_id = ANY(@parents) ORDER BY s.parent_run_id, s.position, s.step_attempt
            """, new { parents });
        return rows.ToList();
    }

    public static bool IsBurst(PipelineRow row) => row.JobName == BurstJob;
}
