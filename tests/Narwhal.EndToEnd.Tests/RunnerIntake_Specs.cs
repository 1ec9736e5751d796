using System.Text;
using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using NUnit.Framework;
using RabbitMQ.Client;

namespace Narwhal.EndToEnd.Tests;

/// <summary>How Runners take runs from the queue: only with a free slot, exactly once, and surviving a consumer that dies.</summary>
[TestFixture]
public sealed class RunnerIntake_Specs : StackFixture
{
    [TearDown]
    public async Task StopRunners()
    {
        await Stack.StopStartedAsync();
    }

    private async Task<IConnection> ConnectAsync() =>
        await new ConnectionFactory { Uri = Stack.Vhost.AmqpUrl }.CreateConnectionAsync();

    private static async Task PublishAsync(IChannel channel, Guid runId)
    {
        var body = Encoding.UTF8.GetBytes(Json.Serialize(new ExecuteRun
        {
            RunId = runId, JobName = "x", RunNumber = 1, ResourceClass = "small", EnqueuedAt = DateTimeOffset.UtcNow,
        }));
        await channel.BasicPublishAsync("", RunQueues.QueueName("small"), mandatory: true, new BasicProperties { Persistent = true }, body);
    }

    [Test]
    public async Task When_two_runners_receive_the_same_run_Should_execute_it_exactly_once()
    {
        await Client.PutFreestyleJobAsync("twice-delivered", TestEnvironment.BusyboxImage, "echo executed-by-$HOSTNAME");
        var run = await Client.TriggerAsync("twice-delivered");
        // A duplicate of the message (what a relay re-publish after a crash produces), then two Runners.
        await using (var connection = await ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
            await PublishAsync(channel, Guid.Parse(run.Str("id")));
        await Task.WhenAll(Stack.StartRunnerAsync("racer-a"), Stack.StartRunnerAsync("racer-b"));

        var done = await Client.WaitForRunEndAsync(run.Str("id"));
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(done.GetProperty("attempt").GetInt32(), Is.EqualTo(1), "claimed exactly once");
        // Both messages were consumed (one executed, the other acknowledged and skipped): nothing left queued.
        await Eventually.UntilAsync(async () => await Stack.Vhost.QueueAsync(RunQueues.QueueName("small")),
            q => q is { MessagesReady: 0, MessagesUnacknowledged: 0 }, "the duplicate to be acknowledged");
        var log = await Client.GetStringAsync($"/runs/{run.Str("id")}/results/console");
        Assert.That(log.Split("executed-by-").Length - 1, Is.EqualTo(1));
    }

    [Test]
    public async Task When_a_consumer_dies_before_claiming_Should_redeliver_and_run_the_run_once()
    {
        await Client.PutFreestyleJobAsync("redelivered", TestEnvironment.BusyboxImage, "echo survived");
        var run = await Client.TriggerAsync("redelivered");

        // A "Runner" that takes the message and dies (connection gone) before it claims anything.
        var connection = await ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        var taken = await Eventually.UntilAsync(
            () => channel.BasicGetAsync(RunQueues.QueueName("small"), autoAck: false), r => r is not null, "the message to be taken");
        Assert.That(Encoding.UTF8.GetString(taken!.Body.Span), Does.Contain(run.Str("id")));
        await connection.CloseAsync();
        await connection.DisposeAsync();
        Assert.That(await Stack.Database.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = Guid.Parse(run.Str("id")) }),
            Is.EqualTo("queued"));

        await Stack.StartRunnerAsync("survivor");
        var done = await Client.WaitForRunEndAsync(run.Str("id"));
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(done.GetProperty("attempt").GetInt32(), Is.EqualTo(1));
        Assert.That(done.Str("runnerId"), Is.EqualTo("survivor"));
    }

    [Test]
    public async Task When_a_runner_is_busy_Should_leave_the_next_run_in_the_queue_for_an_idle_runner()
    {
        await Client.PutFreestyleJobAsync("long", TestEnvironment.BusyboxImage, "sleep 20");
        await Client.PutFreestyleJobAsync("short", TestEnvironment.BusyboxImage, "echo quick");
        await Stack.StartRunnerAsync("busy", new Dictionary<string, string?> { ["NARWHAL_RUNNER_SLOTS"] = "1" });

        var longRun = await Client.TriggerAsync("long");
        await Eventually.UntilAsync(() => Client.GetJsonAsync($"/runs/{longRun.Str("id")}"), r => r.Str("status") == "running", "the long run to start");
        var shortRun = await Client.TriggerAsync("short");

        // The busy Runner has cancelled its consumer: the run waits ready in the queue, not unacked on
        // the Runner. The management API's figures lag (its statistics are sampled): wait for both.
        var queue = await Eventually.UntilAsync(async () => await Stack.Vhost.QueueAsync(RunQueues.QueueName("small")),
            q => q is { MessagesReady: 1, Consumers: 0 }, "the short run to wait in the queue with no consumer");
        Assert.That(queue!.MessagesUnacknowledged, Is.EqualTo(0));
        Assert.That((await Client.GetJsonAsync($"/runs/{shortRun.Str("id")}")).Str("status"), Is.EqualTo("queued"));

        await Stack.StartRunnerAsync("idle");
        var done = await Client.WaitForRunEndAsync(shortRun.Str("id"), TimeSpan.FromSeconds(60));
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(done.Str("runnerId"), Is.EqualTo("idle"));
        Assert.That((await Client.GetJsonAsync($"/runs/{longRun.Str("id")}")).Str("status"), Is.EqualTo("running"),
            "the short run was taken by the idle Runner while the busy one was still busy");
    }

    [Test]
    public async Task When_a_runner_shuts_down_and_the_grace_expires_Should_stop_the_run_as_lost_and_remove_its_container()
    {
        await Client.PutFreestyleJobAsync("too-long", TestEnvironment.BusyboxImage, "echo started", "sleep 300");
        var runner = await Stack.StartRunnerAsync("leaving", new Dictionary<string, string?> { ["NARWHAL_RUNNER_SHUTDOWN_GRACE"] = "1" });
        var run = await Client.TriggerAsync("too-long");
        await ContainerWait.UntilRunningAsync(run.Str("id"));

        await Stack.StopAsync(runner);

        var done = await Client.GetJsonAsync($"/runs/{run.Str("id")}");
        Assert.That(done.Str("status"), Is.EqualTo("lost"));
        Assert.That(done.Str("statusReason"), Is.EqualTo("runner shutdown"));
        var log = await Client.GetStringAsync($"/runs/{run.Str("id")}/results/console");
        Assert.That(log, Does.Contain("started"));
        using var engine = new Narwhal.Runner.Docker.DockerEngine(TestEnvironment.DockerHost,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Narwhal.Runner.Docker.DockerEngine>.Instance);
        var left = await engine.ListContainersAsync(new Dictionary<string, string> { [Narwhal.Runner.Execution.RunLabels.RunId] = run.Str("id") }, CancellationToken.None);
        Assert.That(left, Is.Empty);
    }
}
