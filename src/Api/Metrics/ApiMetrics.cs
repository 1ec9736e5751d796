using System.Diagnostics.Metrics;
using System.Text.Json;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Metrics;

/// <summary>
/// The Api's instruments on the Meter <c>Narwhal.Api</c>, named as they appear on /metrics
/// (the Prometheus exporter in Narwhal.Core.Metrics renders them).
/// </summary>
public sealed class ApiMetrics
{
    public const string MeterName = "Narwhal.Api";

    private readonly Counter<long> _runsTriggered;
    private readonly Counter<long> _runsHeld;
    private readonly Histogram<double> _requestDuration;

    public ApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _runsTriggered = meter.CreateCounter<long>("narwhal_runs_triggered_total",
            description: "Runs created by a trigger or re-run (replays of an Idempotency-Key are not counted), by class and trigger kind.");
        _runsHeld = meter.CreateCounter<long>("narwhal_runs_held_total",
            description: "Triggered runs that had to wait for their job's concurrency limit (maxConcurrent), by class.");
        _requestDuration = meter.CreateHistogram<double>("narwhal_http_request_duration_seconds",
            description: "Time to answer an HTTP request, by method, route template and status code.");
    }

    public void RunTriggered(Run run)
    {
        _runsTriggered.Add(1, Tag("class", run.ResourceClass), Tag("trigger", JsonNamingPolicy.SnakeCaseLower.ConvertName(run.Trigger.Kind.ToString())));
        if (run.Held) _runsHeld.Add(1, Tag("class", run.ResourceClass));
    }

    public void RequestAnswered(string method, string route, int status, TimeSpan duration) =>
        _requestDuration.Record(duration.TotalSeconds, Tag("method", method), Tag("route", route), Tag("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
