namespace Narwhal.Core.Metrics;

/// <summary>One time series (one label set) of a family. Recording and reading are thread-safe.</summary>
internal abstract class MetricSeries
{
    public abstract void Record(double value);
}

/// <summary>Counter, UpDownCounter: the sum of all increments.</summary>
internal sealed class SumSeries : MetricSeries
{
    private double _sum;

    public double Value => Volatile.Read(ref _sum);

    public override void Record(double value)
    {
        double seen, next;
        do
        {
            seen = Volatile.Read(ref _sum);
            next = seen + value;
        }
        while (Interlocked.CompareExchange(ref _sum, next, seen) != seen);
    }
}

/// <summary>Gauges and observable instruments: the latest value.</summary>
internal sealed class LastValueSeries : MetricSeries
{
    private double _value;

    public double Value => Volatile.Read(ref _value);

    public override void Record(double value) => Volatile.Write(ref _value, value);
}

/// <summary>
/// Histogram: per-bucket counts, sum and count, updated and read under one lock so that a scrape
/// always sees a consistent triple (the <c>+Inf</c> bucket equals the count).
/// </summary>
internal sealed class HistogramSeries(double[] bounds) : MetricSeries
{
    // _counts[i] counts values in (bounds[i-1], bounds[i]]; the last slot counts values above every bound.
    private readonly long[] _counts = new long[bounds.Length + 1];
    private double _sum;
    private long _count;

    public double[] Bounds => bounds;

    public override void Record(double value)
    {
        if (double.IsNaN(value)) return;
        var index = Array.BinarySearch(bounds, value);
        if (index < 0) index = ~index;   // first bound greater than the value; an exact match stays in its own (le) bucket
        lock (_counts)
        {
            _counts[index]++;
            _sum += value;
            _count++;
        }
    }

    /// <summary>Cumulative counts per bound (the <c>le</c> buckets, +Inf last), the sum and the count.</summary>
    public (long[] Cumulative, double Sum, long Count) Snapshot()
    {
        var cumulative = new long[_counts.Length];
        lock (_counts)
        {
            long running = 0;
            for (var i = 0; i < _counts.Length; i++) cumulative[i] = running += _counts[i];
            return (cumulative, _sum, _count);
        }
    }
}
