using Microsoft.Extensions.DependencyInjection;
using Narwhal.Contracts;
using Narwhal.Runner.Fleet;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Fleet.FleetTestExtensions;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>Heartbeats on the heartbeat exchange: who the Runner is, what it runs, what it has left.</summary>
[TestFixture]
public sealed class Heartbeat_Specs : FleetFixture
{
    [Test]
    public async Task When_a_runner_runs_Should_publish_heartbeats_with_its_state_at_every_interval()
    {
        await Client.PutClassJobAsync("beating", "small", "sleep 300");
        await using var tap = await HeartbeatTap.BindAsync(Stack);
        await Stack.StartRunnerAsync("beating-runner", Settings(
                ("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", "1"), ("NARWHAL_RUNNER_CLASSES", "small,large"), ("NARWHAL_RUNNER_SLOTS", "2"),
                ("NARWHAL_RUNNER_QUOTA_CPU", "3"), ("NARWHAL_RUNNER_QUOTA_MEMORY_MB", "4096"), ("NARWHAL_CLASS_COSTS", "small=1:1024"),
                ("NARWHAL_RUNNER_SHUTDOWN_GRACE", "1")),
            services => services.AddSingleton<ICpuSampler>(new FakeCpuSampler(42.5)));

        var idle = await tap.NextAsync(h => h.RunnerId == "beating-runner", "a first heartbeat");
        Assert.Multiple(() =>
        {
            Assert.That(idle.Host, Is.EqualTo(Environment.MachineName));
            Assert.That(idle.Version, Is.Not.Empty);
            Assert.That(idle.Classes, Is.EqualTo(new[] { "small", "large" }));
            Assert.That(idle.Slots, Is.EqualTo(2));
            Assert.That(idle.RunningRunIds, Is.Empty);
            Assert.That(idle.CpuPercent, Is.EqualTo(42.5));
            Assert.That(idle.MemoryTotalBytes, Is.GreaterThan(0));
            Assert.That(idle.MemoryUsedBytes, Is.InRange(1, idle.MemoryTotalBytes));
            Assert.That(idle.Quota, Is.EqualTo(new RunnerQuota(3, 3, 4096, 4096)));
            Assert.That(idle.Draining, Is.False);
            Assert.That(idle.Paused, Is.Null);
            Assert.That(idle.Sequence, Is.GreaterThanOrEqualTo(1));
        });

        var run = await Client.TriggerIdAsync("beating");
        var busy = await tap.NextAsync(h => h.RunnerId == "beating-runner" && h.RunningRunIds.Contains(run), "a heartbeat with the run");
        Assert.That(busy.Quota, Is.EqualTo(new RunnerQuota(3, 2, 4096, 3072)), "the small run's cost is taken from the quota");
        Assert.That(busy.Sequence, Is.GreaterThan(idle.Sequence));
        var next = await tap.NextAsync(h => h.RunnerId == "beating-runner", "the heartbeat after");
        Assert.That(next.Sequence, Is.EqualTo(busy.Sequence + 1), "one per interval, numbered");
        Assert.That(next.SentAt - busy.SentAt, Is.InRange(TimeSpan.Zero, TimeSpan.FromSeconds(5)));

        Assert.That((await Client.PostAsync($"/runs/{run}/abort", null)).IsSuccessStatusCode, Is.True);
        await Stack.UntilEndedAsync(run);
    }
}
