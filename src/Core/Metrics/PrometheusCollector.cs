using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Narwhal.Core.Metrics;

public sealed record PrometheusCollectorOptions
{
    /// <summary>Instruments of every Meter whose name starts with this are exported.</summary>
    public string MeterPrefix { get; init; } = "Narwhal";

    /// <summary>
    /// When set, Meters created by another <see cref="IMeterFactory"/> (another host in the same
    /// process, as in tests) are left out. Meters made with <c>new Meter(...)</c> have no scope and
    /// are always in.
    /// </summary>
    public object? MeterScope { get; init; }
}

/// <summary>
/// Listens to the process's Narwhal Meters and keeps, per metric name and label set, the sum
/// (counters), the last value (gauges, observable instruments) or the buckets (histograms), ready
/// to render as Prometheus text. Recording from any thread is safe while scraping.
/// </summary>
/// <remarks>
/// Instruments are named in Prometheus style by their creators (<c>narwhal_runs_lost_total</c>);
/// names are only sanitised here (dots and dashes become '_'), never suffixed, so the name in the
/// code is the name on the dashboard. Two instruments with the same name share a family when they
/// are of the same kind; an instrument whose name is taken by another kind is not exported (logged).
/// </remarks>
public sealed class PrometheusCollector : IDisposable
{
    private readonly PrometheusCollectorOptions _options;
    private readonly ILogger _logger;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    // Serialises family attach/detach. Never held while calling out: the runtime publishes
    // instruments under its own lock, and an observable callback may create instruments.
    private readonly Lock _registry = new();
    // One scrape at a time: observable values land in whichever families began observing last.
    private readonly Lock _scrape = new();
    private readonly MetricFamily _callbackErrors = new(
        "narwhal_metrics_observation_errors_total",
        "Observable instrument callbacks that threw during a scrape (their values are missing from that scrape).",
        new InstrumentShape(typeof(Counter<>), MetricType.Counter, Aggregation.Sum, false), []);

    public PrometheusCollector(PrometheusCollectorOptions? options = null, ILogger<PrometheusCollector>? logger = null)
    {
        _options = options ?? new PrometheusCollectorOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _callbackErrors.Record(0, [], null);

        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = OnMeasurementsCompleted;
        _listener.SetMeasurementEventCallback<byte>((i, m, t, s) => Record(m, t, i, s));
        _listener.SetMeasurementEventCallback<short>((i, m, t, s) => Record(m, t, i, s));
        _listener.SetMeasurementEventCallback<int>((i, m, t, s) => Record(m, t, i, s));
        _listener.SetMeasurementEventCallback<long>((i, m, t, s) => Record(m, t, i, s));
        _listener.SetMeasurementEventCallback<float>((i, m, t, s) => Record(m, t, i, s));
        _listener.SetMeasurementEventCallback<double>((i, m, t, s) => Record(m, t, i, s));
        _listener.SetMeasurementEventCallback<decimal>((i, m, t, s) => Record((double)m, t, i, s));
        // Publishes the instruments that already exist, then each new one as it is created.
        _listener.Start();
    }

    /// <summary>Polls the observable instruments and renders every family in the text format 0.0.4.</summary>
    public string Scrape()
    {
        var sb = new StringBuilder(4096);
        WriteTo(sb);
        return sb.ToString();
    }

    public void WriteTo(StringBuilder sb)
    {
        lock (_scrape)
        {
            foreach (var family in _families.Values) family.BeginObservation();
            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException ex)
            {
                // Every callback ran; the ones listed failed. The rest of the scrape stands.
                _callbackErrors.Record(ex.InnerExceptions.Count, [], null);
                _logger.LogWarning(ex.Flatten(), "{Count} observable metric callback(s) failed during a scrape", ex.InnerExceptions.Count);
            }
            PrometheusWriter.Write(sb, _families.Values.Append(_callbackErrors));
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        var meter = instrument.Meter;
        if (!meter.Name.StartsWith(_options.MeterPrefix, StringComparison.Ordinal)) return;
        if (_options.MeterScope is not null && meter.Scope is not null && !ReferenceEquals(meter.Scope, _options.MeterScope)) return;
        if (InstrumentShape.Of(instrument) is not { } shape) return;

        var name = PrometheusText.MetricName(instrument.Name);
        MetricFamily family;
        lock (_registry)
        {
            family = _families.GetOrAdd(name, _ => new MetricFamily(name, instrument.Description, shape,
                shape.Type == MetricType.Histogram ? HistogramBuckets.For(instrument) : []));
            if (family.Shape != shape)
            {
                _logger.LogWarning("Metric {Name} of meter {Meter} is a {Kind} but the name is already exported as a {Existing}; it is not exported",
                    name, meter.Name, shape.Definition.Name, family.Shape.Definition.Name);
                return;
            }
            family.Attach(instrument);
        }
        listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not MetricFamily family) return;
        lock (_registry)
        {
            if (family.Detach(instrument) == 0) _families.TryRemove(new KeyValuePair<string, MetricFamily>(family.Name, family));
        }
    }

    private static void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, Instrument instrument, object? state) =>
        ((MetricFamily)state!).Record(value, tags, instrument);
}
