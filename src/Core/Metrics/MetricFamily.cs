using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Narwhal.Core.Metrics;

/// <summary>
/// Everything exported under one metric name: its HELP, TYPE, histogram bounds and one series per
/// label set, fed by one or more instruments of the same shape.
/// </summary>
internal sealed class MetricFamily(string name, string? help, InstrumentShape shape, double[] bounds)
{
    private ConcurrentDictionary<string, MetricSeries> _series = new(StringComparer.Ordinal);
    private readonly HashSet<Instrument> _instruments = [];

    public string Name => name;
    public string? Help => help;
    public InstrumentShape Shape => shape;

    /// <summary>Adds a feeding instrument; the caller serialises attach and detach.</summary>
    public void Attach(Instrument instrument) => _instruments.Add(instrument);

    /// <summary>Removes a feeding instrument (its Meter was disposed); returns how many are left.</summary>
    public int Detach(Instrument instrument)
    {
        _instruments.Remove(instrument);
        return _instruments.Count;
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, Instrument? instrument)
    {
        // Counters only rise: a negative increment would break rate() downstream, so it is dropped.
        if (shape.Type == MetricType.Counter && shape.Aggregation == Aggregation.Sum && value < 0) return;
        var labels = LabelSet.Render(tags, instrument?.Tags, reservedLe: shape.Type == MetricType.Histogram);
        _series.GetOrAdd(labels, static (_, family) => family.NewSeries(), this).Record(value);
    }

    /// <summary>
    /// Observable families show only what their callbacks report at this scrape: a label set no
    /// longer reported (a queue that went away) disappears rather than repeating a stale value.
    /// </summary>
    public void BeginObservation()
    {
        if (shape.Observable) Volatile.Write(ref _series, new ConcurrentDictionary<string, MetricSeries>(StringComparer.Ordinal));
    }

    /// <summary>The series ordered by their rendered labels (deterministic output).</summary>
    public List<KeyValuePair<string, MetricSeries>> Snapshot()
    {
        var series = Volatile.Read(ref _series).ToList();
        series.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return series;
    }

    private MetricSeries NewSeries() => shape.Aggregation switch
    {
        Aggregation.Sum => new SumSeries(),
        Aggregation.LastValue => new LastValueSeries(),
        _ => new HistogramSeries(bounds),
    };
}
