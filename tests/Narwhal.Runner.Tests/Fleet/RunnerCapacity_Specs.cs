using Narwhal.Contracts;
using Narwhal.Runner.Intake;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>Slots and quota: what decides whether a class may be taken, and NARWHAL_CLASS_COSTS.</summary>
[TestFixture]
public sealed class RunnerCapacity_Specs
{
    private static RunnerCapacity Capacity(int slots, int cpu, int memory, string costs) =>
        new(slots, cpu, memory, ClassCosts.Parse(costs, "NARWHAL_CLASS_COSTS"));

    [Test]
    public void When_a_run_is_reserved_Should_take_a_slot_and_its_class_cost_until_released()
    {
        var capacity = Capacity(slots: 3, cpu: 4, memory: 8192, "small=1:1024,large=4:4096");

        Assert.That(capacity.TryReserve("small"), Is.True);
        Assert.That(capacity.Quota, Is.EqualTo(new RunnerQuota(4, 3, 8192, 7168)));
        Assert.That(capacity.CanTake("large"), Is.False, "3 CPU units free, large costs 4");
        Assert.That(capacity.WhyNot("large"), Is.EqualTo("large needs 4 CPU / 4096 MB, 3 CPU / 7168 MB free"));
        Assert.That(capacity.CanTake("small"), Is.True);

        capacity.Release("small");
        Assert.That(capacity.TryReserve("large"), Is.True);
        Assert.That(capacity.FreeSlots, Is.EqualTo(2));
        Assert.That(capacity.CanTake("small"), Is.False, "no CPU unit left");
    }

    [Test]
    public void When_every_slot_is_used_Should_take_nothing_whatever_the_quota()
    {
        var capacity = Capacity(slots: 1, cpu: 64, memory: 65536, "");
        Assert.That(capacity.TryReserve("small"), Is.True);
        Assert.That(capacity.TryReserve("small"), Is.False);
        Assert.That(capacity.WhyNot("small"), Is.EqualTo("no free slot"));
        Assert.That(() => { capacity.Release("small"); capacity.Release("small"); }, Throws.InvalidOperationException);
    }

    [Test]
    public void When_a_class_is_not_listed_Should_cost_one_cpu_unit_and_no_memory()
    {
        var capacity = Capacity(slots: 8, cpu: 2, memory: 1, "large=4:0");
        Assert.That(capacity.CostOf("medium"), Is.EqualTo(new ClassCost(1, 0)));
        Assert.That(capacity.NeverFits("large"), Is.True);
        Assert.That(capacity.TryReserve("medium") && capacity.TryReserve("medium"), Is.True);
        Assert.That(capacity.TryReserve("medium"), Is.False, "two CPU units, one each");
    }

    [TestCase("small=1:2048,large=4:8192", "large", 4, 8192)]
    [TestCase(" small = 2 ", "small", 2, 0)]
    [TestCase("gpu=0:512", "gpu", 0, 512)]
    public void When_costs_are_configured_Should_parse_them(string raw, string resourceClass, int cpu, int memory) =>
        Assert.That(ClassCosts.Parse(raw, "X").Of(resourceClass), Is.EqualTo(new ClassCost(cpu, memory)));

    [TestCase("small")]
    [TestCase("small=one:2")]
    [TestCase("small=1:2:3")]
    [TestCase("small=-1:0")]
    [TestCase("=1:0")]
    [TestCase("small=1,small=2")]
    public void When_costs_are_malformed_Should_fail_naming_the_setting(string raw) =>
        Assert.That(() => ClassCosts.Parse(raw, "NARWHAL_CLASS_COSTS"),
            Throws.InvalidOperationException.With.Message.Contains("NARWHAL_CLASS_COSTS"));
}
