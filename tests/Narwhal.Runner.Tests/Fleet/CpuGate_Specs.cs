using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Narwhal.Core.Messaging;
using Narwhal.Runner.Fleet;
using Narwhal.Runner.Intake;
using Narwhal.Testing;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Fleet.FleetTestExtensions;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>The CPU threshold: a Runner whose host is busy takes nothing, and takes at once when it calms down.</summary>
[TestFixture]
public sealed class CpuGate_Specs : FleetFixture
{
    [Test]
    public async Task When_host_cpu_is_above_the_threshold_Should_leave_the_run_queued_until_it_drops()
    {
        await Client.PutClassJobAsync("cpu-bound", "small", "echo ran");
        var cpu = new FakeCpuSampler(95);
        var runner = await Stack.StartRunnerAsync("hot-runner", Settings(("NARWHAL_RUNNER_CPU_MAX_PERCENT", "90"), ("NARWHAL_RUNNER_SLOTS", "1")),
            services => services.AddSingleton<ICpuSampler>(cpu));

        var run = await Client.TriggerIdAsync("cpu-bound");

        var queue = await Eventually.UntilAsync(async () => await Stack.Vhost.QueueAsync(RunQueues.QueueName("small")),
            q => q is { MessagesReady: 1 }, "the run to wait ready in the queue");
        Assert.That(queue!.Consumers, Is.EqualTo(0), "no consumer while the host is busy");
        Assert.That(queue.MessagesUnacknowledged, Is.EqualTo(0));
        Assert.That((await Stack.RunStateAsync(run)).Status, Is.EqualTo("queued"));
        Assert.That(runner.Services.GetRequiredService<RunIntake>().PausedReason, Is.EqualTo("cpu 95% ≥ 90%"));

        var calm = Stopwatch.StartNew();
        cpu.Percent = 10;
        var claimed = await Stack.UntilRunAsync(run, r => r.Status != "queued", "the run to be taken once the CPU is below the threshold",
            TimeSpan.FromSeconds(15));
        Assert.That(claimed.RunnerId, Is.EqualTo("hot-runner"));
        // One CPU sample (1 s) and a push: seconds, not a polling period.
        Assert.That(calm.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That((await Stack.UntilEndedAsync(run)).Status, Is.EqualTo("succeeded"));
    }
}
