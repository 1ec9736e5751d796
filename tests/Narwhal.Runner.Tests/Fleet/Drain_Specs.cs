using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Runner.Fleet;
using Narwhal.Testing;
using NUnit.Framework;
using RabbitMQ.Client;
using static Narwhal.Runner.Tests.Fleet.FleetTestExtensions;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>
/// Drain: asked through the database or the DrainRunner broadcast, a Runner takes nothing more,
/// says it is draining, finishes what it runs, and stops its host. It loses no run.
/// </summary>
[TestFixture]
public sealed class Drain_Specs : FleetFixture
{
    private static bool Stopping(WebApplication runner) =>
        runner.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;

    [Test]
    public async Task When_a_drain_is_requested_in_the_database_Should_finish_the_running_run_take_nothing_more_and_stop()
    {
        await Client.PutClassJobAsync("drained-running", "small", "sleep 6", "echo finished");
        await Client.PutClassJobAsync("drained-next", "small", "echo next");
        await using var tap = await HeartbeatTap.BindAsync(Stack);
        var runner = await Stack.StartRunnerAsync("db-drainee", Settings(("NARWHAL_RUNNER_SLOTS", "2"), ("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", "1")));
        var running = await Client.TriggerIdAsync("drained-running");
        await ContainerWait.UntilRunningAsync(running.ToString());

        // What POST /runners/{id}/drain does; the row may not exist yet (no heartbeat recorded by a Dispatcher here).
        await Stack.Database.ExecuteAsync("""
            INSERT INTO runners (id, host, version, classes, slots, state, drain_requested_at, drain_requested_by)
            VALUES (@id, 'h', 'v', '{small}', 2, 'online', now(), 'ops')
            ON CONFLICT (id) DO UPDATE SET drain_requested_at = now(), drain_requested_by = 'ops'
            """, new { id = "db-drainee" });
        var draining = await tap.NextAsync(h => h.RunnerId == "db-drainee" && h.Draining, "a heartbeat saying draining");
        Assert.That(draining.RunningRunIds, Does.Contain(running));
        Assert.That(draining.Paused, Does.StartWith("draining"));

        var next = await Client.TriggerIdAsync("drained-next");
        var finished = await Stack.UntilEndedAsync(running);
        Assert.That(finished.Status, Is.EqualTo("succeeded"), "the running run finished");
        await Eventually.UntilAsync(() => Task.FromResult(Stopping(runner)), "the drained Runner to stop its host");
        Assert.That((await Stack.RunStateAsync(next)).Status, Is.EqualTo("queued"), "a slot was free, but a draining Runner takes nothing");

        await Stack.StartRunnerAsync("successor");
        var taken = await Stack.UntilEndedAsync(next);
        Assert.That(taken.Status, Is.EqualTo("succeeded"));
        Assert.That(taken.RunnerId, Is.EqualTo("successor"));
    }

    [Test]
    public async Task When_a_drain_message_names_a_runner_Should_drain_that_runner_only()
    {
        await Client.PutClassJobAsync("after-message", "small", "echo after");
        // Heartbeats (and their database check) far apart: the prompt path is the message.
        var drainee = await Stack.StartRunnerAsync("msg-drainee", Settings(("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", "600")));
        var bystander = await Stack.StartRunnerAsync("bystander", Settings(("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", "600")));

        await using (var connection = await new ConnectionFactory { Uri = Stack.Vhost.AmqpUrl }.CreateConnectionAsync())
        {
            await RunControl.PublishDrainAsync(connection, new DrainRunner
            {
                RunnerId = "msg-drainee", RequestedBy = "ops", RequestedAt = DateTimeOffset.UtcNow,
            }, CancellationToken.None);
        }

        await Eventually.UntilAsync(() => Task.FromResult(Stopping(drainee)), "the named Runner to drain and stop", TimeSpan.FromSeconds(15));
        Assert.That(bystander.Services.GetRequiredService<RunnerDrain>().IsDraining, Is.False);
        Assert.That(Stopping(bystander), Is.False);

        var run = await Client.TriggerIdAsync("after-message");
        var done = await Stack.UntilEndedAsync(run);
        Assert.That(done.Status, Is.EqualTo("succeeded"));
        Assert.That(done.RunnerId, Is.EqualTo("bystander"));
    }
}
