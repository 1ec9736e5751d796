using Dapper;
using Narwhal.Core.Runs;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// Two steps of one pipeline ending at the same time, each in its own transaction: the second
/// waits for the first on the parent's lock and then sees its outcome, so the step needing both is
/// released exactly once (no lost update), and neither transaction deadlocks.
/// </summary>
[TestFixture]
public sealed class PipelineConcurrentEnds_Specs : PipelineFixture
{
    /// <summary>b and c run; d needs both.</summary>
    private async Task<PipelineRows> FanInAsync(bool failFast = false)
    {
        var pipeline = await PlanAsync([new("b"), new("c"), new("d", "b", "c")], failFast);
        await pipeline.ClaimAsync("b");
        await pipeline.ClaimAsync("c");
        return pipeline;
    }

    private const string End = "UPDATE runs SET status = @status, exit_code = @exitCode, finished_at = now(), updated_at = now() WHERE id = @id";

    [Test]
    public async Task When_the_second_ends_while_the_first_holds_the_parent_Should_wait_and_release_the_fan_in_once()
    {
        var pipeline = await FanInAsync();
        await using var first = await Database.DataSource.OpenConnectionAsync();
        await using var second = await Database.DataSource.OpenConnectionAsync();
        await using var firstTx = await first.BeginTransactionAsync();
        await using var secondTx = await second.BeginTransactionAsync();

        await first.ExecuteAsync(End, new { id = pipeline["b"], status = RunStatus.Succeeded.Name(), exitCode = 0 }, firstTx);
        var secondEnd = second.ExecuteAsync(End, new { id = pipeline["c"], status = RunStatus.Succeeded.Name(), exitCode = 0 }, secondTx);
        await Blocking.UntilWaitingForALockAsync(Database, secondEnd);
        Assert.That((await pipeline.StepAsync("d")).Status, Is.EqualTo(RunStatus.Waiting), "nothing is committed yet");

        await firstTx.CommitAsync();
        await secondEnd;
        await secondTx.CommitAsync();

        Assert.That((await pipeline.StepAsync("d")).Status, Is.EqualTo(RunStatus.Queued));
        Assert.That(await pipeline.OutboxRowsAsync("d"), Is.EqualTo(1));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task When_both_end_at_once_many_times_Should_release_the_fan_in_exactly_once_each_time(bool failFast)
    {
        for (var i = 0; i < 15; i++)
        {
            var pipeline = await FanInAsync(failFast);
            // With fail fast, b's failure asks the running c to abort while c is being ended.
            var bStatus = failFast ? RunStatus.Failed : RunStatus.Succeeded;
            using var start = new Barrier(2);

            await Task.WhenAll(EndAsync(pipeline["b"], bStatus), EndAsync(pipeline["c"], RunStatus.Succeeded));

            var d = await pipeline.StepAsync("d");
            var parent = await pipeline.ParentAsync();
            if (failFast)
            {
                Assert.That(d.Status, Is.EqualTo(RunStatus.Skipped), $"round {i}");
                Assert.That(parent.Status, Is.EqualTo(RunStatus.Failed), $"round {i}");
            }
            else
            {
                Assert.That(d.Status, Is.EqualTo(RunStatus.Queued), $"round {i}");
                Assert.That(await pipeline.OutboxRowsAsync("d"), Is.EqualTo(1), $"round {i}");
            }

            async Task EndAsync(Guid id, RunStatus status)
            {
                await using var connection = await Database.DataSource.OpenConnectionAsync();
                await using var tx = await connection.BeginTransactionAsync();
                // Both transactions are open before either writes, so their writes overlap.
                await Task.Run(() => start.SignalAndWait(TimeSpan.FromSeconds(30)));
                await connection.ExecuteAsync(End, new { id, status = status.Name(), exitCode = status == RunStatus.Succeeded ? 0 : 1 }, tx);
                await tx.CommitAsync();
            }
        }
    }
}
