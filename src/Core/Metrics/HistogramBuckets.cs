using System.Diagnostics.Metrics;

namespace Narwhal.Core.Metrics;

/// <summary>
/// Upper bounds (<c>le</c>) of a histogram's buckets. An instrument picks its own through
/// <see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/> when it is created:
/// <code>meter.CreateHistogram&lt;long&gt;("narwhal_log_chunk_bytes", "By", "…",
///     advice: new InstrumentAdvice&lt;long&gt; { HistogramBucketBoundaries = [1024, 65536, 1048576] });</code>
/// Without advice a histogram gets <see cref="DefaultSeconds"/>, meant for durations in seconds.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>5 ms to 10 min: HTTP calls at the low end, CI runs and pickup latency at the high end.</summary>
    public static readonly IReadOnlyList<double> DefaultSeconds =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    /// <summary>The bounds an instrument advises, or the defaults; finite, ascending, without duplicates.</summary>
    public static double[] For(Instrument instrument)
    {
        var advised = instrument switch
        {
            Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            _ => null,
        };
        var bounds = (advised ?? DefaultSeconds).Where(double.IsFinite).Distinct().Order().ToArray();
        return bounds.Length > 0 ? bounds : [.. DefaultSeconds];
    }
}
