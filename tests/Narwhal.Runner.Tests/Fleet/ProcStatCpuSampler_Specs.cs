using Narwhal.Runner.Fleet;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>The real CPU reading: /proc/stat counters, averaged over the window.</summary>
[TestFixture]
public sealed class ProcStatCpuSampler_Specs
{
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    /// <summary>A /proc/stat first line: busy split over user and system, idle split over idle and iowait.</summary>
    private static string Stat(ulong busy, ulong idle) => $"cpu  {busy / 2} 0 {busy - busy / 2} {idle / 2} {idle - idle / 2} 0 0 0 0 0\ncpu0 1 2 3 4";

    [Test]
    public void When_parsing_Should_count_idle_and_iowait_as_not_busy()
    {
        var times = ProcStatCpuSampler.Parse("cpu  100 5 50 800 40 3 2 0 10 0\nintr 1")!.Value;
        Assert.That(times.Total, Is.EqualTo(1000UL));
        Assert.That(times.Busy, Is.EqualTo(160UL));
        Assert.That(ProcStatCpuSampler.Parse("intr 1 2"), Is.Null);
        Assert.That(ProcStatCpuSampler.Parse(null), Is.Null);
    }

    [Test]
    public void When_readings_span_more_than_the_window_Should_average_over_the_last_window_only()
    {
        var clock = new ManualClock();
        var stat = Stat(0, 0);
        var sampler = new ProcStatCpuSampler(() => stat, clock, TimeSpan.FromSeconds(10));

        stat = Stat(busy: 250, idle: 750);
        Assert.That(sampler.Sample(), Is.EqualTo(25).Within(0.01), "a single reading: the counters since boot");

        // Ten seconds at 100 % busy (1000 ticks of each second all busy).
        for (var s = 1; s <= 10; s++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            stat = Stat(busy: 250 + (ulong)s * 1000, idle: 750);
        }
        clock.Advance(TimeSpan.Zero);
        Assert.That(sampler.Sample(), Is.EqualTo(100 * 10_000.0 / 10_000).Within(0.01), "against the first reading, ten seconds ago");

        // Then ten seconds idle, sampled each second: the window forgets the busy ones.
        var busy = 250 + 10_000UL;
        ulong idle = 750;
        double last = 100;
        for (var s = 1; s <= 10; s++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            idle += 1000;
            stat = Stat(busy, idle);
            last = sampler.Sample();
        }
        Assert.That(last, Is.EqualTo(0).Within(0.01));
    }

    [Test]
    public void When_half_the_window_was_busy_Should_read_half()
    {
        var clock = new ManualClock();
        ulong busy = 0, idle = 0;
        var sampler = new ProcStatCpuSampler(() => Stat(busy, idle), clock, TimeSpan.FromSeconds(4));
        sampler.Sample();
        double reading = 0;
        foreach (var busySecond in new[] { true, true, false, false, true, true, false, false })
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            if (busySecond) busy += 100; else idle += 100;
            reading = sampler.Sample();
        }
        Assert.That(reading, Is.EqualTo(50).Within(0.01));
    }

    [Test]
    public void When_there_is_no_proc_stat_Should_read_zero()
    {
        var sampler = new ProcStatCpuSampler(() => null, TimeProvider.System, TimeSpan.FromSeconds(10));
        Assert.That(sampler.Sample(), Is.EqualTo(0));
    }
}
