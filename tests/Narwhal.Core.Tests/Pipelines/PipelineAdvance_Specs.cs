using System.Text.Json;
using Dapper;
using Narwhal.Contracts;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Testing;
using Npgsql;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// The database advances a pipeline (migrations/0012): a plan's roots are released when it is
/// recorded, each further step when the steps it needs have ended, in the transaction of the write
/// that ended them, once; the run ends when every step ended.
/// </summary>
[TestFixture]
public sealed class PipelineAdvance_Specs : PipelineFixture
{
    private static Dictionary<string, RunStatus> Expect(params (string Key, RunStatus Status)[] statuses) =>
        statuses.ToDictionary(s => s.Key, s => s.Status, StringComparer.Ordinal);

    [Test]
    public async Task When_a_plan_is_recorded_Should_queue_each_root_with_one_ExecuteRun_for_its_own_row()
    {
        var pipeline = await PlanAsync([new("lint"), new("build"), new("test", "build")]);

        Assert.That(await pipeline.StatusesAsync(), Is.EqualTo(Expect(
            ("lint", RunStatus.Queued), ("build", RunStatus.Queued), ("test", RunStatus.Waiting))));
        foreach (var root in new[] { "lint", "build" })
        {
            var outbox = await Database.ScalarAsync<string>(
                "SELECT concat_ws('|', queue, message_type, payload::text) FROM outbox WHERE run_id = @id", new { id = pipeline[root] });
            var parts = outbox.Split('|', 3);
            Assert.That(parts[..2], Is.EqualTo(new[] { "narwhal.runs.small", nameof(ExecuteRun) }));
            var message = JsonSerializer.Deserialize<ExecuteRun>(parts[2], Json.Options)!;
            Assert.That(message.RunId, Is.EqualTo(pipeline[root]), "the message names the step's own row");
            Assert.That(message.RunNumber, Is.EqualTo(pipeline.Number));
            Assert.That(message.ResourceClass, Is.EqualTo("small"));
        }
        Assert.That(await pipeline.OutboxRowsAsync("test"), Is.Zero, "a waiting step has no message");
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Running));
    }

    [Test]
    public async Task When_advanced_again_with_nothing_new_Should_release_nothing_twice()
    {
        var pipeline = await PlanAsync([new("build"), new("test", "build")]);

        await pipeline.AdvanceAsync();
        await pipeline.AdvanceAsync();

        Assert.That(await pipeline.OutboxRowsAsync("build"), Is.EqualTo(1));
        Assert.That((await pipeline.StepAsync("test")).Status, Is.EqualTo(RunStatus.Waiting));
    }

    [Test]
    public async Task When_a_diamond_runs_Should_release_both_branches_after_the_root_and_the_join_only_after_both()
    {
        var pipeline = await PlanAsync([new("a"), new("b", "a"), new("c", "a"), new("d", "b", "c")]);
        Assert.That(await pipeline.StatusesAsync(), Is.EqualTo(Expect(
            ("a", RunStatus.Queued), ("b", RunStatus.Waiting), ("c", RunStatus.Waiting), ("d", RunStatus.Waiting))));

        await pipeline.ClaimAsync("a");
        Assert.That((await pipeline.StepAsync("b")).Status, Is.EqualTo(RunStatus.Waiting), "a claim releases nothing");
        await pipeline.FinishAsync("a", RunStatus.Succeeded, 0);
        Assert.That(await pipeline.StatusesAsync(), Is.EqualTo(Expect(
            ("a", RunStatus.Succeeded), ("b", RunStatus.Queued), ("c", RunStatus.Queued), ("d", RunStatus.Waiting))));

        await pipeline.RunAsync("b", RunStatus.Succeeded);
        Assert.That((await pipeline.StepAsync("d")).Status, Is.EqualTo(RunStatus.Waiting), "c has not ended");

        await pipeline.RunAsync("c", RunStatus.Succeeded);
        Assert.That((await pipeline.StepAsync("d")).Status, Is.EqualTo(RunStatus.Queued));
        Assert.That(await pipeline.OutboxRowsAsync("d"), Is.EqualTo(1));
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Running));

        await pipeline.RunAsync("d", RunStatus.Succeeded);
        var parent = await pipeline.ParentAsync();
        Assert.That(parent.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(parent.FinishedAt, Is.Not.Null);
        Assert.That(parent.StatusReason, Is.Null);
        Assert.That((parent.Pipeline, parent.RunnerId), Is.EqualTo((true, (string?)null)));
        foreach (var key in new[] { "a", "b", "c", "d" })
            Assert.That(await pipeline.OutboxRowsAsync(key), Is.EqualTo(1), $"step {key} was released once");
    }

    [Test]
    public async Task When_a_step_row_is_written_Should_carry_its_runs_number_and_parent()
    {
        var pipeline = await PlanAsync([new("a"), new("b")]);

        var step = await pipeline.StepAsync("a");
        Assert.That((step.Number, step.ParentRunId, step.Pipeline), Is.EqualTo((pipeline.Number, (Guid?)pipeline.ParentId, false)));
        Assert.That((await pipeline.ParentAsync()).ParentRunId, Is.Null);
    }

    [Test]
    public async Task When_a_second_top_level_run_takes_a_used_number_Should_be_refused_by_the_partial_unique_index()
    {
        var pipeline = await PlanAsync([new("a")]);

        var duplicate = Database.ExecuteAsync("""
            INSERT INTO runs (id, job_id, job_name, number, status, resource_class, trigger)
            SELECT @id, job_id, job_name, number, 'queued', resource_class, trigger FROM runs WHERE id = @parent
            """, new { id = Guid.CreateVersion7(), parent = pipeline.ParentId });

        Assert.That(async () => await duplicate,
            Throws.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.ConstraintName)).EqualTo("runs_job_number"));
    }

    [Test]
    public async Task When_a_run_is_not_a_pipeline_Should_be_left_alone_by_an_advance()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(Database.DataSource, NextJobName());

        await Database.ExecuteAsync("SELECT narwhal_advance_pipeline(@id)", new { id = run.Id });

        Assert.That(await Database.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo("queued"));
        Assert.That(await Database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @id", new { id = run.Id }), Is.EqualTo(1));
    }

    [Test]
    public async Task When_two_steps_end_in_one_transaction_Should_advance_after_each()
    {
        var pipeline = await PlanAsync([new("a"), new("b"), new("c", "a"), new("d", "b")]);
        await pipeline.ClaimAsync("a");
        await pipeline.ClaimAsync("b");

        await using (var connection = await Database.DataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            // The guard against re-entrancy is cleared after each advance, not left set for the transaction.
            await connection.ExecuteAsync("UPDATE runs SET status = 'succeeded', finished_at = now() WHERE id = @id", new { id = pipeline["a"] }, tx);
            await connection.ExecuteAsync("UPDATE runs SET status = 'succeeded', finished_at = now() WHERE id = @id", new { id = pipeline["b"] }, tx);
            await tx.CommitAsync();
        }

        Assert.That(await pipeline.StatusesAsync(), Is.EqualTo(Expect(
            ("a", RunStatus.Succeeded), ("b", RunStatus.Succeeded), ("c", RunStatus.Queued), ("d", RunStatus.Queued))));
    }
}
