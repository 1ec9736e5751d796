using Narwhal.Api.Runs;
using Narwhal.Core.Fleet;
using Narwhal.Core.Jobs;
using Narwhal.Core.Logs;
using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Fleet;
using Narwhal.Runner.Claiming;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Fleet;

/// <summary>
/// Which running runs are lost (never one a live Runner has just claimed), and what becomes of
/// them: lost with a reason, or one new attempt per retry.onLost, the old attempt fenced.
/// </summary>
[TestFixture]
public sealed class LostRunStore_Specs : DatabaseFixture
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private RunnerStore _runners = null!;
    private LostRunStore _lost = null!;
    private RunAttemptStore _attempts = null!;
    private int _jobs;

    [OneTimeSetUp]
    public async Task Start()
    {
        _runners = new RunnerStore(Database.DataSource);
        _lost = new LostRunStore(Database.DataSource, TimeProvider.System);
        _attempts = new RunAttemptStore(Database.DataSource);
    }

    /// <summary>A run claimed by <paramref name="runnerId"/> <paramref name="startedAgo"/> ago.</summary>
    private async Task<ClaimedRun> RunningAsync(string runnerId, TimeSpan startedAgo, RetryPolicy? retry = null)
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(Database.DataSource, $"job-{Interlocked.Increment(ref _jobs)}",
            RunSeeder.Freestyle() with { Retry = retry });
        var claimed = (await _attempts.ClaimAsync(run.Id, runnerId, CancellationToken.None)).Claimed!;
        await Database.ExecuteAsync("UPDATE runs SET started_at = now() - make_interval(secs => @s) WHERE id = @id",
            new { id = run.Id, s = startedAgo.TotalSeconds });
        return claimed;
    }

    private async Task HeartbeatAsync(string runnerId, params Guid[] running) =>
        await _runners.UpsertHeartbeatAsync(Heartbeats.Of(runnerId, sequence: DateTime.UtcNow.Ticks, running: running), CancellationToken.None);

    private async Task SilenceAsync(string runnerId)
    {
        await Database.ExecuteAsync("UPDATE runners SET last_seen_at = now() - interval '1 hour' WHERE id = @runnerId", new { runnerId });
        await _runners.MarkSilentOfflineAsync(Timeout, CancellationToken.None);
    }

    private async Task<LostRun?> FindAsync(Guid runId) =>
        (await _lost.FindAsync(Timeout, 1000, CancellationToken.None)).SingleOrDefault(l => l.RunId == runId);

    [Test]
    public async Task When_the_runner_of_a_long_running_run_is_offline_Should_find_it_lost()
    {
        await HeartbeatAsync("offline-1");
        var run = await RunningAsync("offline-1", TimeSpan.FromMinutes(2));
        await SilenceAsync("offline-1");

        var lost = await FindAsync(run.Run.Id);
        Assert.That(lost, Is.Not.Null);
        Assert.That(lost!.Cause, Is.EqualTo(LostCause.RunnerSilent));
        Assert.That(lost.AttemptId, Is.EqualTo(run.AttemptId));
    }

    [Test]
    public async Task When_a_run_was_claimed_within_the_timeout_Should_never_find_it_lost_whatever_its_runner()
    {
        await HeartbeatAsync("offline-2");
        await SilenceAsync("offline-2");
        var justClaimedByOffline = await RunningAsync("offline-2", TimeSpan.FromSeconds(5));
        var justClaimedByUnknown = await RunningAsync("never-heard-2", TimeSpan.FromSeconds(5));

        Assert.That(await FindAsync(justClaimedByOffline.Run.Id), Is.Null);
        Assert.That(await FindAsync(justClaimedByUnknown.Run.Id), Is.Null);
    }

    [Test]
    public async Task When_a_live_runner_reports_the_run_Should_not_find_it_lost()
    {
        var run = await RunningAsync("alive-3", TimeSpan.FromMinutes(10));
        await HeartbeatAsync("alive-3", run.Run.Id);
        Assert.That(await FindAsync(run.Run.Id), Is.Null);
    }

    [Test]
    public async Task When_a_runner_never_sent_a_heartbeat_Should_find_its_old_run_lost()
    {
        var run = await RunningAsync("never-heard-4", TimeSpan.FromMinutes(2));
        Assert.That((await FindAsync(run.Run.Id))?.Cause, Is.EqualTo(LostCause.RunnerNeverSeen));
    }

    [Test]
    public async Task When_a_restarted_runner_no_longer_lists_its_old_run_Should_find_it_lost_after_the_timeout()
    {
        var old = await RunningAsync("restarted-5", TimeSpan.FromMinutes(2));
        var fresh = await RunningAsync("restarted-5", TimeSpan.FromSeconds(10));
        await HeartbeatAsync("restarted-5");

        Assert.That((await FindAsync(old.Run.Id))?.Cause, Is.EqualTo(LostCause.RunnerForgotIt));
        Assert.That(await FindAsync(fresh.Run.Id), Is.Null,
            "claimed 10 s before the heartbeat that does not list it: not yet a whole timeout of silence about it");
    }

    [Test]
    public async Task When_the_job_does_not_retry_Should_end_the_run_lost_with_a_reason()
    {
        var run = await RunningAsync("gone-6", TimeSpan.FromMinutes(2));
        var outcome = await _lost.ResolveAsync((await FindAsync(run.Run.Id))!, Timeout, CancellationToken.None);

        Assert.That(outcome.Action, Is.EqualTo(LostRunAction.MarkedLost));
        var stored = (await new RunStore(Database.DataSource, TimeProvider.System).GetAsync(run.Run.Id, CancellationToken.None))!;
        Assert.That(stored.Status, Is.EqualTo(RunStatus.Lost));
        Assert.That(stored.StatusReason, Does.Contain("gone-6").And.Contain("retry.onLost"));
        Assert.That(stored.FinishedAt, Is.Not.Null);
    }

    [Test]
    public async Task When_the_job_retries_once_Should_queue_one_new_attempt_fence_the_old_one_and_lose_the_second()
    {
        var first = await RunningAsync("gone-7", TimeSpan.FromMinutes(2), new RetryPolicy { OnLost = 1 });
        await new LogChunkStore(Database.DataSource).AppendAsync(first.Run.Id, first.AttemptId, 0, 0, "partial"u8.ToArray(), CancellationToken.None);

        var outcome = await _lost.ResolveAsync((await FindAsync(first.Run.Id))!, Timeout, CancellationToken.None);

        Assert.That(outcome.Action, Is.EqualTo(LostRunAction.Requeued));
        Assert.That((outcome.Retry, outcome.RetriesAllowed), Is.EqualTo((1, 1)));
        var row = await Database.ScalarAsync<string>("""
            SELECT concat_ws('|', status, attempt_id IS NULL, runner_id IS NULL, lost_retries, queued_at > now() - interval '1 minute',
                (SELECT count(*) FROM outbox WHERE run_id = runs.id), (SELECT count(*) FROM run_log_chunks WHERE run_id = runs.id))
            FROM runs WHERE id = @id
            """, new { id = first.Run.Id });
        Assert.That(row, Is.EqualTo("queued|t|t|1|t|2|0"), "status|no attempt|no runner|retries|queued now|outbox rows|live log chunks");
        Assert.That(() => _attempts.FinishAsync(first.Run.Id, first.AttemptId, new RunCompletion { Status = RunStatus.Succeeded }, CancellationToken.None),
            Throws.InstanceOf<StaleAttemptException>(), "the lost attempt's writes are refused");

        var second = (await _attempts.ClaimAsync(first.Run.Id, "gone-7b", CancellationToken.None)).Claimed!;
        Assert.That(second.Run.Attempt, Is.EqualTo(2));
        await Database.ExecuteAsync("UPDATE runs SET started_at = now() - interval '2 minutes' WHERE id = @id", new { id = first.Run.Id });

        var again = await _lost.ResolveAsync((await FindAsync(first.Run.Id))!, Timeout, CancellationToken.None);

        Assert.That(again.Action, Is.EqualTo(LostRunAction.MarkedLost));
        Assert.That(again.Reason, Does.Contain("used up"));
        Assert.That(await Database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @id", new { id = first.Run.Id }), Is.EqualTo(2),
            "no third attempt");
    }

    [Test]
    public async Task When_an_abort_was_requested_Should_not_retry()
    {
        var run = await RunningAsync("gone-8", TimeSpan.FromMinutes(2), new RetryPolicy { OnLost = 3 });
        await new RunStore(Database.DataSource, TimeProvider.System).RequestAbortAsync(run.Run.Id, "alice", CancellationToken.None);

        var outcome = await _lost.ResolveAsync((await FindAsync(run.Run.Id))!, Timeout, CancellationToken.None);

        Assert.That(outcome.Action, Is.EqualTo(LostRunAction.MarkedLost));
        Assert.That(outcome.Reason, Does.Contain("abort"));
    }

    [Test]
    public async Task When_the_attempt_ended_since_the_scan_Should_do_nothing()
    {
        var run = await RunningAsync("gone-9", TimeSpan.FromMinutes(2));
        var lost = (await FindAsync(run.Run.Id))!;
        await _attempts.FinishAsync(run.Run.Id, run.AttemptId, new RunCompletion { Status = RunStatus.Succeeded }, CancellationToken.None);

        Assert.That((await _lost.ResolveAsync(lost, Timeout, CancellationToken.None)).Action, Is.EqualTo(LostRunAction.Skipped));
        Assert.That(await Database.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = run.Run.Id }), Is.EqualTo("succeeded"));
    }

    [Test]
    public async Task When_the_runner_spoke_again_since_the_scan_Should_do_nothing()
    {
        await HeartbeatAsync("back-10");
        var run = await RunningAsync("back-10", TimeSpan.FromMinutes(2));
        await SilenceAsync("back-10");
        var lost = (await FindAsync(run.Run.Id))!;
        await HeartbeatAsync("back-10", run.Run.Id);

        Assert.That((await _lost.ResolveAsync(lost, Timeout, CancellationToken.None)).Action, Is.EqualTo(LostRunAction.Skipped));
    }

    [Test]
    public async Task When_a_pipeline_run_has_no_runner_Should_never_find_it_lost()
    {
        var parent = await RunningAsync("planner-11", TimeSpan.FromMinutes(2));
        var step = await RunningAsync("alive-11", TimeSpan.FromMinutes(2));
        await HeartbeatAsync("alive-11", step.Run.Id);
        Assert.That(await FindAsync(parent.Run.Id), Is.Not.Null, "its planning Runner never sent a heartbeat");

        await PipelineStepRows.MakeAsync(Database, parent.Run.Id, step.Run.Id);

        Assert.That(await FindAsync(parent.Run.Id), Is.Null, "a pipeline run is running without a Runner by design");
    }

    [Test]
    public async Task When_a_lost_step_has_its_own_retry_on_lost_Should_use_it_over_the_jobs()
    {
        var parent = await RunningAsync("planner-12", TimeSpan.FromSeconds(1));
        var step = await RunningAsync("gone-12", TimeSpan.FromMinutes(2));
        await PipelineStepRows.MakeAsync(Database, parent.Run.Id, step.Run.Id, retryOnLost: 1);

        var outcome = await _lost.ResolveAsync((await FindAsync(step.Run.Id))!, Timeout, CancellationToken.None);

        Assert.That(outcome.Action, Is.EqualTo(LostRunAction.Requeued), "the job does not opt in; the step does");
        Assert.That((outcome.Retry, outcome.RetriesAllowed), Is.EqualTo((1, 1)));
        Assert.That(await Database.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = parent.Run.Id }), Is.EqualTo("running"));
    }

    [Test]
    public async Task When_a_lost_step_sets_no_retry_Should_use_the_jobs()
    {
        var parent = await RunningAsync("planner-13", TimeSpan.FromSeconds(1));
        var step = await RunningAsync("gone-13", TimeSpan.FromMinutes(2), new RetryPolicy { OnLost = 1 });
        await PipelineStepRows.MakeAsync(Database, parent.Run.Id, step.Run.Id);

        var outcome = await _lost.ResolveAsync((await FindAsync(step.Run.Id))!, Timeout, CancellationToken.None);

        Assert.That(outcome.Action, Is.EqualTo(LostRunAction.Requeued));
    }

    [Test]
    public async Task When_a_step_opts_out_of_the_jobs_retries_Should_end_it_lost_and_its_run_with_it()
    {
        var parent = await RunningAsync("planner-14", TimeSpan.FromSeconds(1));
        var step = await RunningAsync("gone-14", TimeSpan.FromMinutes(2), new RetryPolicy { OnLost = 2 });
        await PipelineStepRows.MakeAsync(Database, parent.Run.Id, step.Run.Id, retryOnLost: 0);

        var outcome = await _lost.ResolveAsync((await FindAsync(step.Run.Id))!, Timeout, CancellationToken.None);

        Assert.That(outcome.Action, Is.EqualTo(LostRunAction.MarkedLost));
        Assert.That(outcome.Reason, Does.Contain("the step does not opt in"));
        var run = (await new RunStore(Database.DataSource, TimeProvider.System).GetAsync(parent.Run.Id, CancellationToken.None))!;
        Assert.That(run.Status, Is.EqualTo(RunStatus.Lost), "the database ended the pipeline run with its last step");
        Assert.That(run.StatusReason, Does.StartWith($"Step '{PipelineStepRows.StepKey}' lost: ").And.Contain("gone-14"));
    }
}
