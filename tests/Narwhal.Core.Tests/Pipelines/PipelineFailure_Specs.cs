using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// What a step that did not succeed does to the rest: dependents that need success are skipped with
/// the need named, <c>when: failure</c> and <c>when: always</c> ones run, an allowed failure counts as
/// success, and the run ends with the first failure that was not allowed.
/// </summary>
[TestFixture]
public sealed class PipelineFailure_Specs : PipelineFixture
{
    [Test]
    public async Task When_a_step_fails_Should_skip_what_needs_its_success_and_run_failure_and_always_steps()
    {
        var pipeline = await PlanAsync([
            new("build"),
            new("test", "build"),
            new("notify", "build") { When = StepWhen.Failure },
            new("report", "test") { When = StepWhen.Always },
        ]);

        await pipeline.RunAsync("build", RunStatus.Failed, 2, "Exit code 2.");

        var test = await pipeline.StepAsync("test");
        Assert.That((test.Status, test.StatusReason), Is.EqualTo((RunStatus.Skipped, "Step 'build' it needs did not succeed.")));
        Assert.That(test.FinishedAt, Is.Not.Null);
        Assert.That((await pipeline.StepAsync("notify")).Status, Is.EqualTo(RunStatus.Queued));
        Assert.That((await pipeline.StepAsync("report")).Status, Is.EqualTo(RunStatus.Queued),
            "released in the same advance: the skip of test ended its only need");
        Assert.That(await pipeline.OutboxRowsAsync("test"), Is.Zero);
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Running), "notify and report have not run yet");

        await pipeline.RunAsync("notify", RunStatus.Succeeded);
        await pipeline.RunAsync("report", RunStatus.Succeeded);

        var parent = await pipeline.ParentAsync();
        Assert.That((parent.Status, parent.ExitCode, parent.StatusReason),
            Is.EqualTo((RunStatus.Failed, (int?)2, "Step 'build' failed: Exit code 2.")));
        Assert.That(parent.FinishedAt, Is.Not.Null);
    }

    [Test]
    public async Task When_nothing_it_needs_failed_Should_skip_a_failure_step_and_let_the_run_succeed()
    {
        var pipeline = await PlanAsync([new("build"), new("notify", "build") { When = StepWhen.Failure }]);

        await pipeline.RunAsync("build", RunStatus.Succeeded);

        var notify = await pipeline.StepAsync("notify");
        Assert.That((notify.Status, notify.StatusReason), Is.EqualTo((RunStatus.Skipped, "No step it needs failed.")));
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Succeeded));
    }

    [Test]
    public async Task When_a_step_allowed_to_fail_fails_Should_count_as_success_for_its_dependents_and_the_run()
    {
        var pipeline = await PlanAsync([
            new("lint") { AllowFailure = true },
            new("deploy", "lint"),
            new("notify", "lint") { When = StepWhen.Failure },
        ]);

        await pipeline.RunAsync("lint", RunStatus.Failed, 1);

        Assert.That((await pipeline.StepAsync("deploy")).Status, Is.EqualTo(RunStatus.Queued));
        Assert.That((await pipeline.StepAsync("notify")).Status, Is.EqualTo(RunStatus.Skipped));
        await pipeline.RunAsync("deploy", RunStatus.Succeeded);

        var parent = await pipeline.ParentAsync();
        Assert.That((parent.Status, parent.StatusReason), Is.EqualTo((RunStatus.Succeeded, (string?)null)));
    }

    [Test]
    public async Task When_several_steps_fail_Should_end_the_run_with_the_first_to_end()
    {
        var pipeline = await PlanAsync([new("unit"), new("e2e")]);

        await pipeline.ClaimAsync("unit");
        await pipeline.ClaimAsync("e2e");
        await pipeline.FinishAsync("e2e", RunStatus.TimedOut, null, "Timed out after 600 s.");
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Running));
        await pipeline.FinishAsync("unit", RunStatus.Failed, 1, "Exit code 1.");

        var parent = await pipeline.ParentAsync();
        Assert.That((parent.Status, parent.ExitCode, parent.StatusReason),
            Is.EqualTo((RunStatus.TimedOut, (int?)null, "Step 'e2e' timed out: Timed out after 600 s.")));
    }

    [Test]
    public async Task When_a_step_is_aborted_on_its_own_Should_skip_its_dependents_and_end_the_run_aborted()
    {
        var pipeline = await PlanAsync([new("build"), new("test", "build")]);

        await pipeline.RunAsync("build", RunStatus.Aborted, null, "Aborted by alice.");

        Assert.That((await pipeline.StepAsync("test")).Status, Is.EqualTo(RunStatus.Skipped));
        var parent = await pipeline.ParentAsync();
        Assert.That((parent.Status, parent.StatusReason), Is.EqualTo((RunStatus.Aborted, "Step 'build' aborted: Aborted by alice.")));
    }

    [Test]
    public async Task When_a_need_was_skipped_Should_skip_the_next_success_step_too_in_the_same_advance()
    {
        var pipeline = await PlanAsync([new("a"), new("b", "a"), new("c", "b"), new("d", "c") { When = StepWhen.Always }]);

        await pipeline.RunAsync("a", RunStatus.Error, null, "The Runner could not start the run.");

        var statuses = await pipeline.StatusesAsync();
        Assert.That((statuses["b"], statuses["c"], statuses["d"]), Is.EqualTo((RunStatus.Skipped, RunStatus.Skipped, RunStatus.Queued)));
        Assert.That((await pipeline.StepAsync("c")).StatusReason, Is.EqualTo("Step 'b' it needs did not succeed."));
        await pipeline.RunAsync("d", RunStatus.Succeeded);
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Error));
    }
}
