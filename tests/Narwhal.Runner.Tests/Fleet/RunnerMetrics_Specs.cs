using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
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

    /// <summary>Records this Runner's measurements only: other Runners of the test process have meters of their own.</summary>
    private static MeterListener Listen(Microsoft.AspNetCore.Builder.WebApplication runner, ConcurrentQueue<Recorded> recorded)
    {
        var factory = runner.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RunnerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)) l.EnableMeasurementEvents(instrument);
            },
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            recorded.Enqueue(new Recorded(instrument.Name, Convert.ToDouble(value), tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString())));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        return listener;
    }

    [Test]
    public async Task When_a_pipeline_runs_Should_record_each_steps_queue_wait_and_duration_and_the_start_after_its_needs()
    {
        var job = new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage, resourceClass = "small",
            steps = new Dictionary<string, object>
            {
                ["first"] = new { script = new[] { "echo first" } },
                ["second"] = new { needs = new[] { "first" }, script = new[] { "echo second" } },
            },
        };
        (await Client.PutAsJsonAsync("/jobs/measured-pipeline", job, Narwhal.Core.Persistence.Json.Options)).EnsureSuccessStatusCode();
        var runner = await Stack.StartRunnerAsync("pipeline-measured-runner", FleetTestExtensions.Settings(("NARWHAL_RUNNER_SLOTS", "2")));
        var recorded = new ConcurrentQueue<Recorded>();
        using var listener = Listen(runner, recorded);

        var run = await Client.TriggerIdAsync("measured-pipeline");
        Assert.That((await Stack.UntilEndedAsync(run)).Status, Is.EqualTo("succeeded"));
        var capacity = runner.Services.GetRequiredService<RunnerCapacity>();
        await Eventually.UntilAsync(() => Task.FromResult(capacity.UsedSlots == 0), "the Runner to release the steps' slots");

        Assert.That(recorded.Count(r => r.Instrument == "narwhal_step_queue_wait_seconds"), Is.EqualTo(2));
        var durations = recorded.Where(r => r.Instrument == "narwhal_step_duration_seconds").ToList();
        Assert.That(durations.Select(d => d.Tags["status"]), Is.EqualTo(new[] { "succeeded", "succeeded" }));
        var afterNeeds = recorded.Where(r => r.Instrument == "narwhal_step_start_after_needs_seconds").ToList();
        Assert.That(afterNeeds, Has.Count.EqualTo(1), "only 'second' has a need");
        Assert.That(afterNeeds[0].Value, Is.InRange(0, 60));
        Assert.That(recorded.Count(r => r.Instrument == "narwhal_run_duration_seconds"), Is.EqualTo(2), "the planning of the pipeline is not a run's execution");
    }

    [Test]
    public async Task When_a_run_is_picked_up_and_ends_Should_record_latency_duration_log_bytes_and_slots()
    {
        await Client.PutClassJobAsync("measured", "small", "echo measured-output");
        var runner = await Stack.StartRunnerAsync("measured-runner", FleetTestExtensions.Settings(("NARWHAL_RUNNER_SLOTS", "2")),
            services => services.AddSingleton<ICpuSampler>(new FakeCpuSampler(12)));
        var recorded = new ConcurrentQueue<Recorded>();
        using var listener = Listen(runner, recorded);

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
