using Narwhal.Core.Runs;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// A step's concurrencyGroup shares the job-level machinery and key namespace (<c>group:&lt;name&gt;</c>):
/// a released step beyond its limit is held, with no message, and the database releases the next
/// one, in order, when a step of the group ends. The limit is the step's own (default 1).
/// </summary>
[TestFixture]
public sealed class PipelineConcurrency_Specs : PipelineFixture
{
    private static async Task AssertHeldAsync(PipelineRows pipeline, string key, bool held)
    {
        var step = await pipeline.StepAsync(key);
        Assert.That((step.Status, step.Held), Is.EqualTo((RunStatus.Queued, held)), $"step {key} of run {pipeline.ParentId}");
        Assert.That(await pipeline.OutboxRowsAsync(key), Is.EqualTo(held ? 0 : 1), "a held step has no message");
    }

    [Test]
    public async Task When_steps_of_one_group_are_released_in_three_runs_Should_run_one_at_a_time_in_order()
    {
        PlannedStep[] plan = [new("build"), new("deploy", "build") { ConcurrencyGroup = "prod" }];
        var first = await PlanAsync(plan);
        var second = await PlanAsync(plan);
        var third = await PlanAsync(plan);
        await second.RunAsync("build", RunStatus.Succeeded);
        await first.RunAsync("build", RunStatus.Succeeded);
        await third.RunAsync("build", RunStatus.Succeeded);

        Assert.That((await second.StepAsync("deploy")).ConcurrencyKey, Is.EqualTo("group:prod"));
        await AssertHeldAsync(second, "deploy", held: false);
        await AssertHeldAsync(first, "deploy", held: true);
        await AssertHeldAsync(third, "deploy", held: true);

        await second.RunAsync("deploy", RunStatus.Failed);

        await AssertHeldAsync(first, "deploy", held: false);
        await AssertHeldAsync(third, "deploy", held: true);

        await first.RunAsync("deploy", RunStatus.Succeeded);

        await AssertHeldAsync(third, "deploy", held: false);
    }

    [Test]
    public async Task When_the_step_allows_two_at_once_Should_hold_only_the_third()
    {
        PlannedStep[] plan = [new("deploy") { ConcurrencyGroup = "staging", Concurrency = 2 }];
        var first = await PlanAsync(plan);
        var second = await PlanAsync(plan);
        var third = await PlanAsync(plan);

        await AssertHeldAsync(first, "deploy", held: false);
        await AssertHeldAsync(second, "deploy", held: false);
        await AssertHeldAsync(third, "deploy", held: true);

        await first.RunAsync("deploy", RunStatus.Succeeded);

        await AssertHeldAsync(third, "deploy", held: false);
    }

    [Test]
    public async Task When_a_held_step_is_aborted_Should_leave_the_line_and_the_run_end_aborted()
    {
        PlannedStep[] plan = [new("deploy") { ConcurrencyGroup = "canary" }];
        var first = await PlanAsync(plan);
        var second = await PlanAsync(plan);
        await AssertHeldAsync(second, "deploy", held: true);

        await Database.ExecuteAsync("SELECT narwhal_abort_pipeline(@id, 'alice')", new { id = second.ParentId });

        var step = await second.StepAsync("deploy");
        Assert.That((step.Status, step.Held), Is.EqualTo((RunStatus.Aborted, false)));
        Assert.That((await second.ParentAsync()).Status, Is.EqualTo(RunStatus.Aborted));
        await first.RunAsync("deploy", RunStatus.Succeeded);
        Assert.That(await second.OutboxRowsAsync("deploy"), Is.Zero, "never released");
    }
}
