namespace Narwhal.Bench;

/// <summary>Latency statistics over one series of samples, in milliseconds.</summary>
/// <remarks>
/// Percentiles are nearest-rank (the smallest sample with at least p% of the samples at or below
/// it); no interpolation. With n = 60, p99 is the 60th of 60 samples, i.e. the maximum.
/// </remarks>
public sealed record Series(string Name, int N, double Min, double Mean, double P50, double P90, double P95, double P99, double Max, double[] SamplesMs)
{
    public static Series Of(string name, IEnumerable<double> samplesMs)
    {
        var samples = samplesMs.Where(double.IsFinite).ToArray();
        if (samples.Length == 0) return new Series(name, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, []);
        var sorted = samples.Order().ToArray();
        return new Series(name, sorted.Length, sorted[0], sorted.Average(), Percentile(sorted, 50), Percentile(sorted, 90),
            Percentile(sorted, 95), Percentile(sorted, 99), sorted[^1], samples);
    }

    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}

/// <summary>Wall-clock time as Unix nanoseconds: the clock Docker's event <c>timeNano</c> uses (same host, CLOCK_REALTIME).</summary>
public static class WallClock
{
    public static long NowUnixNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    public static double Ms(long fromUnixNs, long toUnixNs) => (toUnixNs - fromUnixNs) / 1e6;

    /// <summary>A timestamp read from Postgres (timestamptz) as Unix nanoseconds.</summary>
    public static long UnixNs(DateTime time) => (time.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
