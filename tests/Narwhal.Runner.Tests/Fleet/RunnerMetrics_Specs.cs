using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Narwhal.Runner.Fleet;
using Narwhal.Runner.Intake;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>The Runner's instruments (what /metrics exports): names, tags, and that a run records them.</summary>
[TestFixture]
public sealed class RunnerMetrics_Specs : FleetFixture
{
    private sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags);

    [Test]
    public async Task When_a_run_is_picked_up_and_ends_Should_record_latency_duration_log_bytes_and_slots()
    {
        await Client.PutClassJobAsync("measured", "small", "echo measured-output");
        var runner = await Stack.StartRunnerAsync("measured-runner", FleetTestExtensions.Settings(("NARWHAL_RUNNER_SLOTS", "2")),
            services => services.AddSingleton<ICpuSampler>(new FakeCpuSampler(12)));
        var recorded = new ConcurrentQueue<Recorded>();
        var factory = runner.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        // Only this Runner's meter: other Runners of the test process have their own.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RunnerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)) l.EnableMeasurementEvents(instrument);
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            recorded.Enqueue(new Recorded(instrument.Name, Convert.ToDouble(value), tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString())));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var run = await Client.TriggerIdAsync("measured");
        Assert.That((await Stack.UntilEndedAsync(run)).Status, Is.EqualTo("succeeded"));
        // The outcome is written before the Runner is done with the run (live log cleanup, duration, slot).
        var capacity = runner.Services.GetRequiredService<RunnerCapacity>();
        await Eventually.UntilAsync(() => Task.FromResult(capacity.UsedSlots == 0), "the Runner to release the run's slot");
        listener.RecordObservableInstruments();

        var pickup = recorded.Single(r => r.Instrument == "narwhal_run_pickup_latency_seconds");
        Assert.That(pickup.Tags["class"], Is.EqualTo("small"));
        Assert.That(pickup.Value, Is.InRange(0, 60));
        var duration = recorded.Single(r => r.Instrument == "narwhal_run_duration_seconds");
        Assert.That(duration.Tags, Is.EquivalentTo(new Dictionary<string, string?> { ["class"] = "small", ["status"] = "succeeded" }));
        Assert.That(recorded.Where(r => r.Instrument == "narwhal_log_bytes_shipped_total").Sum(r => r.Value),
            Is.GreaterThanOrEqualTo("measured-output\n".Length));
        var slots = recorded.Where(r => r.Instrument == "narwhal_runner_slots").ToDictionary(r => r.Tags["state"]!, r => r.Value);
        Assert.That(slots, Is.EquivalentTo(new Dictionary<string, double> { ["busy"] = 0, ["free"] = 2 }));
        Assert.That(recorded.Single(r => r.Instrument == "narwhal_runner_cpu_percent").Value, Is.EqualTo(12));
    }
}
