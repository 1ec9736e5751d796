using System.Text;
using Narwhal.Core.Fleet;
using Narwhal.Core.Messaging;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests.Fleet;

/// <summary>The Dispatcher keeps the runner registry from heartbeats on the real broker: online, draining, offline after silence, back again.</summary>
[TestFixture]
public sealed class RunnerRegistry_Specs() : StackFixture(startApi: false)
{
    [OneTimeSetUp]
    public async Task Start()
    {
        await Stack.StartDispatcherAsync(FleetTesting.DispatcherSettings());
    }

    [Test]
    public async Task When_runners_send_heartbeats_Should_list_them_online_or_draining()
    {
        await using var serving = await HeartbeatPump.StartAsync(Stack, "registry-serving", "small", "large");
        await using var leaving = await HeartbeatPump.StartAsync(Stack, "registry-leaving");
        leaving.Draining = true;

        var a = await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, "registry-serving"), r => r is not null, "registry-serving to be registered");
        Assert.That(a!.State, Is.EqualTo(RunnerState.Online));
        Assert.That(a.Classes, Is.EqualTo(new[] { "small", "large" }));
        Assert.That(a.Host, Is.EqualTo("heartbeat-pump"));
        await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, "registry-leaving"), r => r?.State == RunnerState.Draining,
            "registry-leaving to be draining");
        var before = a.LastSeenAt;
        await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, "registry-serving"), r => r!.LastSeenAt > before && r.HeartbeatSequence > a.HeartbeatSequence,
            "later heartbeats to refresh last_seen_at");
    }

    [Test]
    public async Task When_a_runner_falls_silent_Should_mark_it_offline_after_the_timeout_and_online_when_it_returns()
    {
        var pump = await HeartbeatPump.StartAsync(Stack, "registry-silent");
        await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, "registry-silent"), r => r?.State == RunnerState.Online, "registry-silent online");

        await pump.DisposeAsync();
        var offline = await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, "registry-silent"), r => r!.State == RunnerState.Offline,
            "registry-silent to be marked offline", TimeSpan.FromSeconds(30));
        Assert.That(offline!.OfflineAt - offline.LastSeenAt, Is.GreaterThanOrEqualTo(FleetTesting.OfflineTimeout),
            "not before the offline timeout (both times from the database's clock)");

        // A restarted Runner: a new process, its sequence starting again at 1.
        await using var back = await HeartbeatPump.StartAsync(Stack, "registry-silent");
        var online = await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, "registry-silent"), r => r!.State == RunnerState.Online,
            "registry-silent to be online again");
        Assert.That(online!.OfflineAt, Is.Null);
    }

    [Test]
    public async Task When_a_malformed_heartbeat_arrives_Should_drop_it_and_keep_consuming()
    {
        await HeartbeatPump.PublishRawAsync(Stack, Encoding.UTF8.GetBytes("{ not json"));
        await HeartbeatPump.PublishRawAsync(Stack, Encoding.UTF8.GetBytes("""{"runnerId": null, "classes": null}"""));
        await HeartbeatPump.PublishRawAsync(Stack, Encoding.UTF8.GetBytes("""{"runnerId": "x", "host": "h", "version": "v", "classes": null, "slots": 1, "runningRunIds": [], "cpuPercent": 0, "memoryUsedBytes": 0, "memoryTotalBytes": 0, "quota": {"cpuTotal": 1, "cpuFree": 1, "memoryTotal": 1, "memoryFree": 1}, "draining": false, "sequence": 1, "sentAt": "2026-01-01T00:00:00Z"}"""));

        await using (var after = await HeartbeatPump.StartAsync(Stack, "registry-after-garbage"))
            await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, "registry-after-garbage"), r => r is not null, "the next heartbeat to be recorded");

        Assert.That(await FleetTesting.RunnerAsync(Stack, "x"), Is.Null, "a heartbeat with null classes is dropped");
        await Eventually.UntilAsync(async () => await Stack.Vhost.QueueAsync(FleetTopology.HeartbeatQueue),
            q => q is { MessagesReady: 0, MessagesUnacknowledged: 0 }, "every message acknowledged (no poison loop)");
    }
}
