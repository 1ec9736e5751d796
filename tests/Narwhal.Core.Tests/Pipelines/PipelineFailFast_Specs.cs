using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// failFast: at the first step failing without allowFailure, queued steps that need success are
/// aborted, running ones asked to abort, waiting ones skipped; failure and always steps still run.
/// A claim racing the failure is waited for and then asked to abort, never missed.
/// </summary>
[TestFixture]
public sealed class PipelineFailFast_Specs : PipelineFixture
{
    private const string FailFastReason = "Fail fast: step 'a' failed.";

    /// <summary>a fails; b runs; c is queued; d needs b's success; e always runs after b; f runs on a's failure.</summary>
    private Task<PipelineRows> MixedAsync(bool failFast) => PlanAsync(
        [new("a"), new("b"), new("c"), new("d", "b"), new("e", "b") { When = StepWhen.Always }, new("f", "a") { When = StepWhen.Failure }],
        failFast);

    [Test]
    public async Task When_a_step_fails_Should_abort_queued_ask_running_to_abort_skip_waiting_and_still_run_always_and_failure_steps()
    {
        var pipeline = await MixedAsync(failFast: true);
        await pipeline.ClaimAsync("a");
        await pipeline.ClaimAsync("b");

        await pipeline.FinishAsync("a", RunStatus.Failed, 5, "Exit code 5.");

        var c = await pipeline.StepAsync("c");
        Assert.That((c.Status, c.StatusReason, c.AbortRequestedBy), Is.EqualTo((RunStatus.Aborted, FailFastReason, "fail-fast")));
        var b = await pipeline.StepAsync("b");
        Assert.That((b.Status, b.AbortRequestedBy), Is.EqualTo((RunStatus.Running, "fail-fast")));
        Assert.That(b.AbortRequestedAt, Is.Not.Null);
        var d = await pipeline.StepAsync("d");
        Assert.That((d.Status, d.StatusReason), Is.EqualTo((RunStatus.Skipped, FailFastReason)), "skipped at once, before b ends");
        Assert.That((await pipeline.StepAsync("e")).Status, Is.EqualTo(RunStatus.Waiting), "always: waits for b");
        Assert.That((await pipeline.StepAsync("f")).Status, Is.EqualTo(RunStatus.Queued));

        // The Runner of b saw the request and ended it aborted.
        await pipeline.FinishAsync("b", RunStatus.Aborted, null, "Aborted by fail-fast.");
        Assert.That((await pipeline.StepAsync("e")).Status, Is.EqualTo(RunStatus.Queued));
        await pipeline.RunAsync("e", RunStatus.Succeeded);
        await pipeline.RunAsync("f", RunStatus.Succeeded);

        var parent = await pipeline.ParentAsync();
        Assert.That((parent.Status, parent.ExitCode, parent.StatusReason),
            Is.EqualTo((RunStatus.Failed, (int?)5, "Step 'a' failed: Exit code 5.")));
    }

    [Test]
    public async Task When_fail_fast_is_off_Should_leave_the_other_steps_alone()
    {
        var pipeline = await MixedAsync(failFast: false);
        await pipeline.ClaimAsync("a");
        await pipeline.ClaimAsync("b");

        await pipeline.FinishAsync("a", RunStatus.Failed, 5);

        var statuses = await pipeline.StatusesAsync();
        Assert.That((statuses["b"], statuses["c"], statuses["d"], statuses["f"]),
            Is.EqualTo((RunStatus.Running, RunStatus.Queued, RunStatus.Waiting, RunStatus.Queued)));
        Assert.That((await pipeline.StepAsync("b")).AbortRequestedAt, Is.Null);
    }

    [Test]
    public async Task When_the_failure_was_allowed_Should_not_fail_fast()
    {
        var pipeline = await PlanAsync([new("a") { AllowFailure = true }, new("c")], failFast: true);

        await pipeline.RunAsync("a", RunStatus.Failed, 1);

        Assert.That((await pipeline.StepAsync("c")).Status, Is.EqualTo(RunStatus.Queued));
    }

    [Test]
    public async Task When_a_step_is_being_claimed_as_a_step_fails_Should_wait_for_the_claim_and_ask_it_to_abort()
    {
        var pipeline = await PlanAsync([new("a"), new("c")], failFast: true);
        await pipeline.ClaimAsync("a");

        await using var claim = await pipeline.ClaimUncommittedAsync("c");

        var failing = pipeline.FinishAsync("a", RunStatus.Failed, 1);
        await Blocking.UntilWaitingForALockAsync(Database, failing);
        await claim.CommitAsync();
        await failing;

        var c = await pipeline.StepAsync("c");
        Assert.That((c.Status, c.AbortRequestedBy), Is.EqualTo((RunStatus.Running, "fail-fast")));
    }

    [Test]
    public async Task When_a_step_lost_and_queued_again_races_the_failure_Should_be_asked_to_abort_when_claimed()
    {
        var pipeline = await PlanAsync([new("a"), new("c")], failFast: true);
        await pipeline.ClaimAsync("a");
        await pipeline.ClaimAsync("c");

        // The Dispatcher queues c again after its Runner was lost; the failure's advance skips the locked row.
        await using var requeue = await pipeline.RequeueUncommittedAsync("c");
        await pipeline.FinishAsync("a", RunStatus.Failed, 1).WaitAsync(TimeSpan.FromSeconds(30));
        await requeue.CommitAsync();
        Assert.That((await pipeline.StepAsync("c")).AbortRequestedAt, Is.Null, "the advance did not wait for the running row");

        var claimed = await pipeline.ClaimAsync("c");

        Assert.That(claimed.Run.AbortRequestedBy, Is.EqualTo("fail-fast"));
    }
}
