using Microsoft.Extensions.Configuration;
using Narwhal.Dispatcher.Fleet;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Fleet;

/// <summary>The fleet timings: defaults, the Runner's own name for the maximum duration, and an offline timeout long enough to mean "dead".</summary>
[TestFixture]
public sealed class FleetSettings_Specs
{
    private static FleetSettings From(params (string Key, string Value)[] values) =>
        FleetSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Test]
    public void When_nothing_is_set_Should_use_3_s_heartbeats_20_s_offline_6_h_maximum_and_2_s_checks()
    {
        var settings = From();
        Assert.That(settings.HeartbeatInterval, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(settings.OfflineTimeout, Is.EqualTo(TimeSpan.FromSeconds(20)));
        Assert.That(settings.MaxRunDuration, Is.EqualTo(TimeSpan.FromHours(6)));
        Assert.That(settings.CheckInterval, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(settings.OverdueAfter, Is.EqualTo(TimeSpan.FromHours(6) + TimeSpan.FromSeconds(20)));
    }

    [Test]
    public void When_the_maximum_duration_is_set_for_the_runners_Should_use_the_same_setting() =>
        Assert.That(From(("NARWHAL_MAX_JOB_DURATION", "600")).MaxRunDuration, Is.EqualTo(TimeSpan.FromMinutes(10)));

    [Test]
    public void When_the_offline_timeout_is_under_five_heartbeat_intervals_Should_refuse_to_start() =>
        Assert.That(() => From(("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", "2"), ("NARWHAL_RUNNER_OFFLINE_SECONDS", "9")),
            Throws.InvalidOperationException.With.Message.Contains("NARWHAL_RUNNER_OFFLINE_SECONDS=9")
                .And.Message.Contains("5 × NARWHAL_HEARTBEAT_INTERVAL_SECONDS (2)"));

    [Test]
    public void When_the_offline_timeout_is_exactly_five_intervals_Should_accept_it() =>
        Assert.That(From(("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", "1"), ("NARWHAL_RUNNER_OFFLINE_SECONDS", "5")).OfflineTimeout,
            Is.EqualTo(TimeSpan.FromSeconds(5)));
}
