using System.Diagnostics.Metrics;
using Narwhal.Core.Runs;
using Narwhal.Runner.Intake;

namespace Narwhal.Runner.Fleet;

/// <summary>
/// The Runner's instruments, on the meter "Narwhal.Runner" (one per service container, from
/// <see cref="IMeterFactory"/>: two Runners in one test process do not mix). The names already carry
/// their unit, as Prometheus wants them; the exporter serves them on /metrics.
/// </summary>
public sealed class RunnerMetrics
{
    public const string MeterName = "Narwhal.Runner";

    private readonly Histogram<double> _pickupLatency;
    private readonly Histogram<double> _runDuration;
    private readonly Counter<long> _logBytesShipped;
    private readonly Histogram<double> _stepQueueWait;
    private readonly Histogram<double> _stepDuration;
    private readonly Histogram<double> _stepStartAfterNeeds;

    public RunnerMetrics(IMeterFactory meters, RunnerCapacity capacity, CpuMonitor cpu)
    {
        var meter = meters.Create(MeterName);
        _pickupLatency = meter.CreateHistogram("narwhal_run_pickup_latency_seconds", unit: null,
            description: "From the run becoming eligible (queued_at) to its claim by this Runner, by the database's clock.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] });
        _runDuration = meter.CreateHistogram("narwhal_run_duration_seconds", unit: null,
            description: "From claim to outcome, by resource class and final status.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600] });
        var stepBuckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] };
        _stepQueueWait = meter.CreateHistogram("narwhal_step_queue_wait_seconds", unit: null,
            description: "Pipeline steps: from the step's release (its needs ended) to its claim by this Runner, by the database's clock.",
            tags: null, advice: stepBuckets);
        _stepDuration = meter.CreateHistogram("narwhal_step_duration_seconds", unit: null,
            description: "Pipeline steps: from claim to outcome, by resource class and final status.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600] });
        _stepStartAfterNeeds = meter.CreateHistogram("narwhal_step_start_after_needs_seconds", unit: null,
            description: "Pipeline steps (first attempts): from the end of the last step it needs to its container's start.",
            tags: null, advice: stepBuckets);
        _logBytesShipped = meter.CreateCounter<long>("narwhal_log_bytes_shipped_total",
            description: "Console-log bytes shipped live to the database (chunks accepted).");
        meter.CreateObservableGauge("narwhal_runner_slots", () =>
        {
            var busy = capacity.UsedSlots;
            return new[]
            {
                new Measurement<int>(busy, new KeyValuePair<string, object?>("state", "busy")),
                new Measurement<int>(capacity.TotalSlots - busy, new KeyValuePair<string, object?>("state", "free")),
            };
        }, description: "This Runner's slots, busy and free.");
        meter.CreateObservableGauge("narwhal_runner_cpu_percent", () => cpu.Percent,
            description: "Host CPU use averaged over NARWHAL_RUNNER_CPU_WINDOW_SECONDS.");
    }

    public void RunPickedUp(string resourceClass, TimeSpan latency) =>
        _pickupLatency.Record(Math.Max(0, latency.TotalSeconds), new KeyValuePair<string, object?>("class", resourceClass));

    public void RunEnded(string resourceClass, RunStatus status, TimeSpan duration) =>
        _runDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("class", resourceClass),
            new KeyValuePair<string, object?>("status", status.Name()));

    public void LogBytesShipped(long bytes) => _logBytesShipped.Add(bytes);

    public void StepPickedUp(string resourceClass, TimeSpan wait) =>
        _stepQueueWait.Record(Math.Max(0, wait.TotalSeconds), new KeyValuePair<string, object?>("class", resourceClass));

    public void StepEnded(string resourceClass, RunStatus status, TimeSpan duration) =>
        _stepDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("class", resourceClass),
            new KeyValuePair<string, object?>("status", status.Name()));

    public void StepStartedAfterNeeds(string resourceClass, TimeSpan sinceNeedsEnded) =>
        _stepStartAfterNeeds.Record(Math.Max(0, sinceNeedsEnded.TotalSeconds), new KeyValuePair<string, object?>("class", resourceClass));
}
