using Narwhal.Dispatcher.Fleet;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Fleet;

/// <summary>Silence is evidence only after heartbeats have been heard without interruption for a whole offline timeout.</summary>
[TestFixture]
public sealed class HeartbeatHealth_Specs
{
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Test]
    public void When_just_started_Should_not_judge_silence()
    {
        var health = new HeartbeatHealth(new ManualClock());
        Assert.That(health.HasHeardFor(Timeout, out var why), Is.False);
        Assert.That(why, Does.Contain("not consuming"));
    }

    [Test]
    public void When_heard_for_a_whole_timeout_Should_judge_silence()
    {
        var clock = new ManualClock();
        var health = new HeartbeatHealth(clock);
        health.Hearing();
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.That(health.HasHeardFor(Timeout, out _), Is.False);
        health.Hearing(); // more heartbeats do not restart the clock
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(health.HasHeardFor(Timeout, out _), Is.True);
    }

    [Test]
    public void When_recording_failed_Should_wait_a_whole_timeout_again()
    {
        var clock = new ManualClock();
        var health = new HeartbeatHealth(clock);
        health.Hearing();
        clock.Advance(TimeSpan.FromMinutes(5));
        health.Deaf("postgres down");
        Assert.That(health.HasHeardFor(Timeout, out var why), Is.False);
        Assert.That(why, Is.EqualTo("postgres down"));

        health.Hearing();
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.That(health.HasHeardFor(Timeout, out _), Is.False);
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.That(health.HasHeardFor(Timeout, out _), Is.True);
    }
}
