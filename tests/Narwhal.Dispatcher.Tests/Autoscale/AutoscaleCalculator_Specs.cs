using Narwhal.Dispatcher.Autoscale;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Autoscale;

/// <summary>
/// The autoscaling arithmetic: desired = clamp(ceil((ready + running) / slots), min, max), never
/// below ceil(running / slots); scale-down proposes idle online Runners only, no more than the surplus.
/// </summary>
[TestFixture]
public sealed class AutoscaleCalculator_Specs
{
    private static readonly ClassScaling Small = new(Min: 0, Max: 10, SlotsPerRunner: 2);

    [TestCase(0, 0, 0)]
    [TestCase(1, 0, 1)]
    [TestCase(2, 0, 1)]
    [TestCase(3, 0, 2)]
    [TestCase(5, 2, 4)]
    [TestCase(0, 3, 2)]
    public void When_runs_wait_or_run_Should_want_enough_runners_for_all_of_them(int ready, int running, int desired) =>
        Assert.That(AutoscaleCalculator.Desired(ready, running, Small), Is.EqualTo(desired));

    [Test]
    public void When_nothing_waits_Should_keep_the_minimum() =>
        Assert.That(AutoscaleCalculator.Desired(0, 0, new ClassScaling(1, 4, 3)), Is.EqualTo(1));

    [Test]
    public void When_the_backlog_needs_more_than_the_maximum_Should_stop_at_the_maximum() =>
        Assert.That(AutoscaleCalculator.Desired(100, 0, new ClassScaling(1, 4, 3)), Is.EqualTo(4));

    [Test]
    public void When_running_runs_alone_need_more_than_the_maximum_Should_never_go_below_what_they_occupy() =>
        Assert.That(AutoscaleCalculator.Desired(10, 9, new ClassScaling(0, 4, 2)), Is.EqualTo(5), "ceil(9/2) = 5 Runners are busy");

    [Test]
    public void When_more_runners_are_online_than_desired_Should_propose_idle_ones_only_up_to_the_surplus()
    {
        var report = Compute(
            loads: [new ClassLoad("small", Ready: 0, Unacked: 0, Running: 1)],
            runners:
            [
                Runner("busy-1", busy: true),
                Runner("idle-1"),
                Runner("idle-2"),
                Runner("idle-3"),
            ]);

        var small = report.Classes.Single();
        Assert.That(small.Desired, Is.EqualTo(1));
        Assert.That(small.Runners, Is.EqualTo(new RunnerCounts(Online: 4, Draining: 0, Busy: 1, Idle: 3)));
        Assert.That(small.Drainable, Is.EqualTo(new[] { "idle-1", "idle-2", "idle-3" }), "4 online − 1 desired = 3");
    }

    [Test]
    public void When_only_busy_runners_are_surplus_Should_propose_none()
    {
        var report = Compute(
            loads: [new ClassLoad("small", 0, 0, Running: 2)],
            runners: [Runner("busy-1", busy: true), Runner("busy-2", busy: true)],
            scaling: new ClassScaling(0, 10, SlotsPerRunner: 4));

        var small = report.Classes.Single();
        Assert.That(small.Desired, Is.EqualTo(1));
        Assert.That(small.Drainable, Is.Empty, "a busy Runner is never proposed");
    }

    [Test]
    public void When_the_class_needs_every_online_runner_Should_propose_none()
    {
        var report = Compute(loads: [new ClassLoad("small", Ready: 3, 0, Running: 0)], runners: [Runner("idle-1"), Runner("idle-2")]);
        Assert.That(report.Classes.Single().Desired, Is.EqualTo(2));
        Assert.That(report.Classes.Single().Drainable, Is.Empty);
    }

    [Test]
    public void When_a_runner_drains_or_is_offline_Should_not_count_it_as_capacity()
    {
        var report = Compute(
            loads: [new ClassLoad("small", 0, 0, 0)],
            runners:
            [
                Runner("leaving", leaving: true),
                new RunnerLoad("gone", ["small"], Online: false, Leaving: false, Busy: false),
                Runner("idle-1"),
            ],
            scaling: new ClassScaling(1, 10, 2));

        var small = report.Classes.Single();
        Assert.That(small.Runners, Is.EqualTo(new RunnerCounts(Online: 1, Draining: 1, Busy: 0, Idle: 1)));
        Assert.That(small.Drainable, Is.Empty, "the one online Runner is the minimum");
    }

    [Test]
    public void When_a_runner_serves_two_classes_Should_propose_it_only_if_both_can_spare_it()
    {
        var loads = new Dictionary<string, ClassLoad> { ["small"] = new("small", 0, 0, 0), ["large"] = new("large", 0, 0, 0) };
        var both = new RunnerLoad("both", ["small", "large"], Online: true, Leaving: false, Busy: false);

        var largeNeedsOne = AutoscaleCalculator.Compute(["small", "large"],
            new Dictionary<string, ClassScaling> { ["small"] = new(0, 10, 2), ["large"] = new(1, 10, 2) }, loads, [both]);
        Assert.That(largeNeedsOne.Classes.SelectMany(c => c.Drainable), Is.Empty, "large needs its minimum of 1");

        var neitherNeedsIt = AutoscaleCalculator.Compute(["small", "large"],
            new Dictionary<string, ClassScaling> { ["small"] = new(0, 10, 2), ["large"] = new(0, 10, 2) }, loads, [both]);
        Assert.That(neitherNeedsIt.Classes.Select(c => c.Drainable), Is.All.EqualTo(new[] { "both" }), "listed under each class it serves");
    }

    [Test]
    public void When_a_single_class_runner_can_go_instead_Should_keep_the_runner_serving_more_classes()
    {
        var report = AutoscaleCalculator.Compute(["small", "large"],
            new Dictionary<string, ClassScaling> { ["small"] = new(0, 10, 2), ["large"] = new(1, 10, 2) },
            new Dictionary<string, ClassLoad>(),
            [new RunnerLoad("both", ["small", "large"], true, false, false), new RunnerLoad("large-1", ["large"], true, false, false)]);

        Assert.That(report.Classes.Single(c => c.Class == "large").Drainable, Is.EqualTo(new[] { "large-1" }));
        Assert.That(report.Classes.Single(c => c.Class == "small").Drainable, Is.Empty);
    }

    [Test]
    public void When_a_class_has_no_queue_yet_Should_report_zero_depth()
    {
        var report = AutoscaleCalculator.Compute(["small"], new Dictionary<string, ClassScaling> { ["small"] = Small },
            new Dictionary<string, ClassLoad>(), []);
        Assert.That(report.Classes.Single(), Has.Property(nameof(ClassAutoscale.Ready)).EqualTo(0).And.Property(nameof(ClassAutoscale.Desired)).EqualTo(0));
    }

    private static RunnerLoad Runner(string id, bool busy = false, bool leaving = false) => new(id, ["small"], Online: true, leaving, busy);

    private static AutoscaleReport Compute(IReadOnlyList<ClassLoad> loads, IReadOnlyList<RunnerLoad> runners, ClassScaling? scaling = null) =>
        AutoscaleCalculator.Compute(["small"], new Dictionary<string, ClassScaling> { ["small"] = scaling ?? Small },
            loads.ToDictionary(l => l.Class), runners);
}
