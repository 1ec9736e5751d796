using Microsoft.Extensions.DependencyInjection;
using Narwhal.Core.Messaging;
using Narwhal.Runner.Intake;
using Narwhal.Testing;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Fleet.FleetTestExtensions;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>
/// Pull gating on the real stack: a Runner takes a run only with a free slot and enough free quota,
/// and with backlog in several classes it takes its preferred class first.
/// </summary>
[TestFixture]
public sealed class PullGating_Specs : FleetFixture
{
    [Test]
    public async Task When_one_of_two_runners_is_saturated_Should_leave_the_next_run_to_the_idle_one()
    {
        await Client.PutClassJobAsync("saturating", "small", "sleep 30");
        await Client.PutClassJobAsync("next", "small", "echo next");
        // Both Runners consume from the start; whichever takes the long run is then saturated.
        await Task.WhenAll(
            Stack.StartRunnerAsync("runner-a", Settings(("NARWHAL_RUNNER_SLOTS", "1"), ("NARWHAL_RUNNER_SHUTDOWN_GRACE", "1"))),
            Stack.StartRunnerAsync("runner-b", Settings(("NARWHAL_RUNNER_SLOTS", "1"), ("NARWHAL_RUNNER_SHUTDOWN_GRACE", "1"))));

        var longRun = await Client.TriggerIdAsync("saturating");
        var saturated = (await Stack.UntilRunningAsync(longRun)).RunnerId;
        // Not merely rejecting what it is pushed: the saturated Runner has no consumer at all.
        var saturatedIntake = Stack.Started.Single(r => r.Services.GetRequiredService<RunnerSettings>().RunnerId == saturated)
            .Services.GetRequiredService<RunIntake>();
        Assert.That(saturatedIntake.IsConsuming, Is.False);
        Assert.That(saturatedIntake.PausedReason, Is.EqualTo("no free slot"));
        await Eventually.UntilAsync(async () => await Stack.Vhost.QueueAsync(RunQueues.QueueName("small")),
            q => q is { Consumers: 1 }, "only the idle Runner to consume");
        var nextRun = await Client.TriggerIdAsync("next");
        var next = await Stack.UntilEndedAsync(nextRun);

        Assert.That(next.Status, Is.EqualTo("succeeded"));
        Assert.That(next.RunnerId, Is.EqualTo(saturated == "runner-a" ? "runner-b" : "runner-a"), "the idle Runner took it");
        Assert.That((await Stack.RunStateAsync(longRun)).Status, Is.EqualTo("running"), "while the saturated one was still busy");
    }

    [Test]
    public async Task When_a_class_costs_more_than_the_free_quota_Should_take_a_cheaper_class_and_the_costly_one_once_the_quota_frees()
    {
        await Client.PutClassJobAsync("quota-holder", "small", "sleep 300");
        await Client.PutClassJobAsync("quota-large", "large", "echo large");
        await Client.PutClassJobAsync("quota-small", "small", "echo small");
        var runner = await Stack.StartRunnerAsync("quota-runner", Settings(
            ("NARWHAL_RUNNER_CLASSES", "small,large"), ("NARWHAL_RUNNER_SLOTS", "3"),
            ("NARWHAL_RUNNER_QUOTA_CPU", "4"), ("NARWHAL_RUNNER_QUOTA_MEMORY_MB", "8192"),
            ("NARWHAL_CLASS_COSTS", "small=1:1024,large=4:4096")));

        var holder = await Client.TriggerIdAsync("quota-holder");
        await Stack.UntilRunningAsync(holder);
        // 3 CPU units free: a large run (4) does not fit, a small one (1) does, and a slot is free for both.
        var large = await Client.TriggerIdAsync("quota-large");
        var small = await Client.TriggerIdAsync("quota-small");

        Assert.That((await Stack.UntilEndedAsync(small)).Status, Is.EqualTo("succeeded"));
        Assert.That((await Stack.RunStateAsync(large)).Status, Is.EqualTo("queued"), "the large run waits while the quota is short");
        var queue = await Eventually.UntilAsync(async () => await Stack.Vhost.QueueAsync(RunQueues.QueueName("large")),
            q => q is { MessagesReady: 1 }, "the large run to wait ready in its queue");
        Assert.That(queue!.MessagesUnacknowledged, Is.EqualTo(0), "not prefetched by the Runner");
        Assert.That(runner.Services.GetRequiredService<RunIntake>().PausedReason, Is.Null, "small runs are still taken");

        Assert.That((await Client.PostAsync($"/runs/{holder}/abort", null)).IsSuccessStatusCode, Is.True);
        var done = await Stack.UntilEndedAsync(large);
        Assert.That(done.Status, Is.EqualTo("succeeded"));
        Assert.That(done.RunnerId, Is.EqualTo("quota-runner"));
    }

    [Test]
    public async Task When_several_classes_have_backlog_Should_take_the_preferred_class_first()
    {
        await Client.PutClassJobAsync("backlog-small", "small", "echo small");
        await Client.PutClassJobAsync("backlog-large", "large", "echo large");
        // The small run waits longer, but this Runner prefers large.
        var small = await Client.TriggerIdAsync("backlog-small");
        var large = await Client.TriggerIdAsync("backlog-large");
        await Eventually.UntilAsync(async () => (await Stack.Vhost.QueueAsync(RunQueues.QueueName("large")))?.MessagesReady == 1,
            "the large run to be published");

        await Stack.StartRunnerAsync("prefers-large", Settings(("NARWHAL_RUNNER_CLASSES", "large,small"), ("NARWHAL_RUNNER_SLOTS", "1")));

        var largeDone = await Stack.UntilEndedAsync(large);
        var smallDone = await Stack.UntilEndedAsync(small);
        Assert.That(largeDone.Status, Is.EqualTo("succeeded"));
        Assert.That(smallDone.Status, Is.EqualTo("succeeded"));
        Assert.That(largeDone.StartedAt, Is.LessThan(smallDone.StartedAt!.Value), "the preferred class's run was claimed first");
    }
}
