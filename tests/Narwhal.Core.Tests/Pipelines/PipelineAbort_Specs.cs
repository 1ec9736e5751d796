using Dapper;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// narwhal_abort_pipeline: the run is marked, queued steps end aborted, running ones are asked to
/// abort (and returned, for the AbortRun broadcast), waiting ones are skipped, always steps included;
/// the run ends aborted once its running steps ended.
/// </summary>
[TestFixture]
public sealed class PipelineAbort_Specs : PipelineFixture
{
    private async Task<List<Guid>> AbortAsync(Guid parent, string by = "alice")
    {
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<Guid>("SELECT * FROM narwhal_abort_pipeline(@parent, @by)", new { parent, by })).ToList();
    }

    [Test]
    public async Task When_a_pipeline_is_aborted_Should_return_its_running_steps_abort_queued_ones_and_skip_waiting_ones()
    {
        var pipeline = await PlanAsync([new("a"), new("b"), new("c", "a"), new("d", "a") { When = StepWhen.Always }]);
        await pipeline.ClaimAsync("a");

        var asked = await AbortAsync(pipeline.ParentId);

        Assert.That(asked, Is.EqualTo(new[] { pipeline["a"] }));
        var a = await pipeline.StepAsync("a");
        Assert.That((a.Status, a.AbortRequestedBy), Is.EqualTo((RunStatus.Running, "alice")));
        var b = await pipeline.StepAsync("b");
        Assert.That((b.Status, b.StatusReason), Is.EqualTo((RunStatus.Aborted, "Aborted by alice before it started.")));
        foreach (var key in new[] { "c", "d" })
        {
            var step = await pipeline.StepAsync(key);
            Assert.That((step.Status, step.StatusReason), Is.EqualTo((RunStatus.Skipped, "The run was aborted.")), key);
        }
        var running = await pipeline.ParentAsync();
        Assert.That((running.Status, running.AbortRequestedBy), Is.EqualTo((RunStatus.Running, "alice")), "a is still running");

        await pipeline.FinishAsync("a", RunStatus.Aborted, null, "Aborted by alice.");

        var parent = await pipeline.ParentAsync();
        Assert.That((parent.Status, parent.StatusReason), Is.EqualTo((RunStatus.Aborted, "Aborted by alice.")));
        Assert.That(parent.FinishedAt, Is.Not.Null);
    }

    [Test]
    public async Task When_nothing_is_running_Should_end_the_run_aborted_at_once()
    {
        var pipeline = await PlanAsync([new("a"), new("b", "a")]);

        Assert.That(await AbortAsync(pipeline.ParentId, "bob"), Is.Empty);

        Assert.That(await pipeline.StatusesAsync(), Is.EqualTo(new Dictionary<string, RunStatus>
        {
            ["a"] = RunStatus.Aborted, ["b"] = RunStatus.Skipped,
        }));
        var parent = await pipeline.ParentAsync();
        Assert.That((parent.Status, parent.StatusReason), Is.EqualTo((RunStatus.Aborted, "Aborted by bob.")));
    }

    [Test]
    public async Task When_a_step_had_failed_before_the_abort_Should_end_the_run_with_that_failure()
    {
        var pipeline = await PlanAsync([new("a"), new("b")]);
        await pipeline.ClaimAsync("b");
        await pipeline.RunAsync("a", RunStatus.Failed, 3, "Exit code 3.");

        await AbortAsync(pipeline.ParentId);
        await pipeline.FinishAsync("b", RunStatus.Aborted);

        var parent = await pipeline.ParentAsync();
        Assert.That((parent.Status, parent.ExitCode), Is.EqualTo((RunStatus.Failed, (int?)3)));
    }

    [Test]
    public async Task When_the_run_is_not_a_running_pipeline_Should_do_nothing()
    {
        var (_, plain, _) = await RunSeeder.QueuedRunAsync(Database.DataSource, NextJobName());
        var ended = await PlanAsync([new("a")]);
        await ended.RunAsync("a", RunStatus.Succeeded);

        Assert.That(await AbortAsync(plain.Id), Is.Empty);
        Assert.That(await AbortAsync(ended.ParentId), Is.Empty);

        Assert.That(await Database.ScalarAsync<string>("SELECT concat_ws('|', status, abort_requested_by) FROM runs WHERE id = @id", new { id = plain.Id }),
            Is.EqualTo("queued"));
        var parent = await ended.ParentAsync();
        Assert.That((parent.Status, parent.AbortRequestedAt), Is.EqualTo((RunStatus.Succeeded, (DateTimeOffset?)null)));
    }

    [Test]
    public async Task When_a_step_is_being_claimed_Should_wait_for_the_claim_and_return_it_as_running()
    {
        var pipeline = await PlanAsync([new("a")]);

        await using var claim = await pipeline.ClaimUncommittedAsync("a");

        var aborting = AbortAsync(pipeline.ParentId);
        await Blocking.UntilWaitingForALockAsync(Database, aborting);
        await claim.CommitAsync();

        Assert.That(await aborting, Is.EqualTo(new[] { pipeline["a"] }));
        Assert.That((await pipeline.StepAsync("a")).AbortRequestedBy, Is.EqualTo("alice"));
    }

    [Test]
    public async Task When_a_step_is_claimed_after_the_abort_Should_carry_the_abort_request()
    {
        var pipeline = await PlanAsync([new("a"), new("b")]);
        await pipeline.ClaimAsync("a");
        // Lost and queued again while the abort skipped its locked row: a queued row the abort never saw.
        await using var requeue = await pipeline.RequeueUncommittedAsync("a");
        Assert.That(await AbortAsync(pipeline.ParentId).WaitAsync(TimeSpan.FromSeconds(30)), Is.Empty);
        await requeue.CommitAsync();

        var claimed = await pipeline.ClaimAsync("a");

        Assert.That(claimed.Run.AbortRequestedBy, Is.EqualTo("alice"));
    }
}
