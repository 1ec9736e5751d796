using Microsoft.Extensions.DependencyInjection;
using Narwhal.Api.Outbox;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>A run that got stored is published even when the Api died between commit and publish; an unroutable publish is never counted as done.</summary>
[TestFixture]
public sealed class Outbox_Specs() : StackFixture(apiSettings: new Dictionary<string, string?>
{
    // The relay sweeps often and does not wait for the request path in these tests.
    ["NARWHAL_OUTBOX_RELAY_INTERVAL"] = "0.2",
    ["NARWHAL_OUTBOX_RELAY_MIN_AGE"] = "0",
})
{
    [Test]
    public async Task When_the_api_crashed_after_commit_before_publish_Should_have_the_relay_publish_and_the_run_execute()
    {
        // Exactly what a crash leaves: run and outbox row committed, nothing published.
        var (_, run, outboxId) = await RunSeeder.QueuedRunAsync(Stack.Database.DataSource, "crashed-publish");

        await Eventually.UntilAsync(async () =>
            await Stack.Database.ScalarAsync<bool>("SELECT published_at IS NOT NULL FROM outbox WHERE id = @outboxId", new { outboxId }),
            "the relay to publish the orphaned outbox row");

        await Stack.StartRunnerAsync("outbox-runner");
        using var client = Stack.Client();
        var done = await client.WaitForRunEndAsync(run.Id.ToString());
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
    }

    [Test]
    public void When_a_message_is_published_to_a_queue_that_does_not_exist_Should_fail_rather_than_vanish()
    {
        var publisher = Stack.ApiService<RunPublisher>();
        var message = new OutboxMessage(0, Guid.NewGuid(), RunQueues.QueueName("no-such-class"), "ExecuteRun", "{}");

        var failure = Assert.ThrowsAsync<UnroutableMessageException>(async () => await publisher.PublishAsync(message, CancellationToken.None));
        Assert.That(failure!.Queue, Is.EqualTo("narwhal.runs.no-such-class"));
    }

    [Test]
    public async Task When_the_relay_meets_an_unroutable_message_Should_leave_it_unpublished_with_the_reason()
    {
        var (_, run, outboxId) = await RunSeeder.QueuedRunAsync(Stack.Database.DataSource, "unroutable");
        await Stack.Database.ExecuteAsync("UPDATE outbox SET queue = 'narwhal.runs.deleted-class', published_at = NULL WHERE id = @outboxId", new { outboxId });

        var relay = Stack.Api!.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<OutboxRelay>().Single();
        await relay.RelayOnceAsync(CancellationToken.None);

        var error = await Eventually.UntilAsync(
            () => Stack.Database.ScalarAsync<string?>("SELECT last_error FROM outbox WHERE id = @outboxId", new { outboxId }),
            e => e is not null, "the relay to record the failure");
        Assert.That(error, Does.Contain("narwhal.runs.deleted-class"));
        Assert.That(await Stack.Database.ScalarAsync<bool>("SELECT published_at IS NULL FROM outbox WHERE id = @outboxId", new { outboxId }), Is.True);
        Assert.That(await Stack.Database.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo("queued"));
    }
}
