using System.Diagnostics.Metrics;
using Narwhal.Core.Fleet;
using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Autoscale;

namespace Narwhal.Dispatcher.Metrics;

/// <summary>What the gauges show: the last observation of the fleet scan (a scrape never calls RabbitMQ or Postgres).</summary>
public sealed record FleetGauges(
    IReadOnlyList<QueueDepth> Queues,
    IReadOnlyDictionary<RunnerState, int> Runners,
    IReadOnlyDictionary<RunStatus, int> Runs,
    IReadOnlyList<ClassAutoscale> Autoscale);

/// <summary>
/// The Dispatcher's instruments on the Meter <c>Narwhal.Dispatcher</c>, named as they appear on
/// /metrics. Gauges read the cached <see cref="FleetGauges"/> the fleet scan refreshes; counters
/// count the Dispatcher's own actions.
/// </summary>
public sealed class DispatcherMetrics
{
    public const string MeterName = "Narwhal.Dispatcher";

    private readonly Counter<long> _runsLost;
    private readonly Counter<long> _runsRetried;
    private readonly Counter<long> _runsTimedOut;
    private readonly Counter<long> _runnersOffline;
    private volatile FleetGauges? _gauges;

    public DispatcherMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("narwhal_queue_depth", () => Observe(g => g.Queues.SelectMany(q => new[]
        {
            new Measurement<int>(q.Ready, Tag("class", q.Class), Tag("state", "ready")),
            new Measurement<int>(q.Unacked, Tag("class", q.Class), Tag("state", "unacked")),
        })), description: "Messages in each class's run queue: ready (waiting) and unacked (delivered, not yet claimed).");
        meter.CreateObservableGauge("narwhal_runners", () => Observe(g =>
                g.Runners.Select(kv => new Measurement<int>(kv.Value, Tag("state", kv.Key.Name())))),
            description: "Runners in the registry by state (online, draining, offline).");
        meter.CreateObservableGauge("narwhal_runs", () => Observe(g =>
                g.Runs.Select(kv => new Measurement<int>(kv.Value, Tag("status", kv.Key.Name())))),
            description: "Active runs by status (queued, running).");
        meter.CreateObservableGauge("narwhal_autoscale_desired_runners", () => Observe(g =>
                g.Autoscale.Select(c => new Measurement<int>(c.Desired, Tag("class", c.Class)))),
            description: "Runners each class needs now by queue-depth autoscaling (GET /autoscale).");

        _runsLost = meter.CreateCounter<long>("narwhal_runs_lost_total", description: "Runs the Dispatcher ended lost (their Runner went silent).");
        _runsRetried = meter.CreateCounter<long>("narwhal_runs_retried_total", description: "Lost runs the Dispatcher queued again (retry.onLost).");
        _runsTimedOut = meter.CreateCounter<long>("narwhal_runs_timed_out_total", description: "Runs the Dispatcher ended timed_out (past the global maximum duration).");
        _runnersOffline = meter.CreateCounter<long>("narwhal_runners_offline_total", description: "Runners the Dispatcher marked offline (silent past the offline timeout).");
    }

    /// <summary>Null until the first fleet observation.</summary>
    public FleetGauges? Gauges => _gauges;

    public void Observed(FleetGauges gauges) => _gauges = gauges;

    public void RunLost(string resourceClass) => _runsLost.Add(1, Tag("class", resourceClass));
    public void RunRetried(string resourceClass) => _runsRetried.Add(1, Tag("class", resourceClass));
    public void RunTimedOut(string resourceClass) => _runsTimedOut.Add(1, Tag("class", resourceClass));
    public void RunnerOffline() => _runnersOffline.Add(1);

    private IEnumerable<Measurement<int>> Observe(Func<FleetGauges, IEnumerable<Measurement<int>>> read) =>
        _gauges is { } gauges ? read(gauges) : [];

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
