using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Narwhal.Core.Fleet;
using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Autoscale;
using Narwhal.Dispatcher.Metrics;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Metrics;

/// <summary>The Dispatcher's gauges show the last fleet observation (nothing before the first), and its counters count its actions.</summary>
[TestFixture]
public sealed class DispatcherMetrics_Specs
{
    private ServiceProvider _services = null!;
    private DispatcherMetrics _metrics = null!;
    private MeterListener _listener = null!;
    private readonly List<(string Name, long Value, Dictionary<string, string?> Tags)> _measurements = [];

    [SetUp]
    public void Start()
    {
        _services = new ServiceCollection().AddMetrics().AddSingleton<DispatcherMetrics>().BuildServiceProvider();
        _metrics = _services.GetRequiredService<DispatcherMetrics>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == DispatcherMetrics.MeterName && instrument.Meter.Scope == _services.GetRequiredService<IMeterFactory>())
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    [TearDown]
    public void Stop()
    {
        _listener.Dispose();
        _services.Dispose();
        _measurements.Clear();
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>();
        foreach (var tag in tags) copy[tag.Key] = tag.Value?.ToString();
        lock (_measurements) _measurements.Add((instrument.Name, value, copy));
    }

    private long Value(string name, params (string Key, string Value)[] tags) =>
        _measurements.Where(m => m.Name == name && tags.All(t => m.Tags.GetValueOrDefault(t.Key) == t.Value)).Sum(m => m.Value);

    [Test]
    public void When_nothing_was_observed_yet_Should_report_no_gauge_values()
    {
        _listener.RecordObservableInstruments();
        Assert.That(_measurements, Is.Empty);
    }

    [Test]
    public void When_the_fleet_was_observed_Should_report_queue_depths_runners_runs_and_desired_runners()
    {
        _metrics.Observed(new FleetGauges(
            [new QueueDepth("small", Ready: 7, Unacked: 1)],
            new Dictionary<RunnerState, int> { [RunnerState.Online] = 3, [RunnerState.Draining] = 1, [RunnerState.Offline] = 2 },
            new Dictionary<RunStatus, int> { [RunStatus.Queued] = 7, [RunStatus.Running] = 4 },
            [new ClassAutoscale
            {
                Class = "small", Ready = 7, Unacked = 1, Running = 4, SlotsPerRunner = 2, Min = 0, Max = 10, Desired = 6,
                Runners = new RunnerCounts(3, 1, 2, 1), Drainable = [],
            }]));

        _listener.RecordObservableInstruments();

        Assert.That(Value("narwhal_queue_depth", ("class", "small"), ("state", "ready")), Is.EqualTo(7));
        Assert.That(Value("narwhal_queue_depth", ("class", "small"), ("state", "unacked")), Is.EqualTo(1));
        Assert.That(Value("narwhal_runners", ("state", "offline")), Is.EqualTo(2));
        Assert.That(Value("narwhal_runs", ("status", "running")), Is.EqualTo(4));
        Assert.That(Value("narwhal_autoscale_desired_runners", ("class", "small")), Is.EqualTo(6));
    }

    [Test]
    public void When_the_dispatcher_acts_Should_count_each_action()
    {
        _metrics.RunLost("small");
        _metrics.RunLost("small");
        _metrics.RunRetried("large");
        _metrics.RunTimedOut("small");
        _metrics.RunnerOffline();

        Assert.That(Value("narwhal_runs_lost_total", ("class", "small")), Is.EqualTo(2));
        Assert.That(Value("narwhal_runs_retried_total", ("class", "large")), Is.EqualTo(1));
        Assert.That(Value("narwhal_runs_timed_out_total"), Is.EqualTo(1));
        Assert.That(Value("narwhal_runners_offline_total"), Is.EqualTo(1));
    }
}
