using Narwhal.Api.Tests.Support;
using Narwhal.Core.Messaging;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Outbox;

/// <summary>
/// With the broker up, a trigger's outbox row is published right after commit and marked so,
/// and the ExecuteRun message waits in the queue of the job's resource class (no Runner here).
/// </summary>
[TestFixture]
public sealed class OutboxPublishing_Specs : StackFixture
{
    [Test]
    public async Task When_runs_are_triggered_Should_mark_their_outbox_rows_published_and_queue_each_in_its_class_queue()
    {
        await Client.CreateJobAsync("small-job", JobRequests.Freestyle());
        await Client.CreateJobAsync("large-job", JobRequests.Freestyle() with { ResourceClass = "large" });
        var small = Guid.Parse((await Client.TriggerAsync("small-job")).Str("id"));
        var large = Guid.Parse((await Client.TriggerAsync("large-job")).Str("id"));

        foreach (var (run, queue) in new[] { (small, RunQueues.QueueName("small")), (large, RunQueues.QueueName("large")) })
        {
            Assert.That(await Stack.Database.ScalarAsync<string>("SELECT queue FROM outbox WHERE run_id = @run", new { run }), Is.EqualTo(queue));
            await Eventually.UntilAsync(
                () => Stack.Database.ScalarAsync<bool>("SELECT published_at IS NOT NULL FROM outbox WHERE run_id = @run", new { run }),
                $"the outbox row of run {run} to be marked published");
        }

        // The management API refreshes its counts every few seconds.
        var smallQueue = await Eventually.UntilAsync(() => Stack.Vhost.QueueAsync("narwhal.runs.small"), q => q is { MessagesReady: 1 },
            "one message ready in narwhal.runs.small", TimeSpan.FromSeconds(30));
        var largeQueue = await Eventually.UntilAsync(() => Stack.Vhost.QueueAsync("narwhal.runs.large"), q => q is { MessagesReady: 1 },
            "one message ready in narwhal.runs.large", TimeSpan.FromSeconds(30));
        Assert.That(smallQueue!.Consumers, Is.Zero);
        Assert.That(largeQueue!.MessagesUnacknowledged, Is.Zero);
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE published_at IS NULL"), Is.Zero);
    }
}
