namespace Narwhal.Runner.Fleet;

/// <summary>
/// Host CPU use from the cumulative counters of /proc/stat's first line, averaged over a window:
/// (busy now − busy then) / (total now − total then), "then" being the newest reading at least one
/// window old. Until a window has passed, the oldest reading is used; with a single reading, the
/// counters since boot. Where /proc/stat cannot be read (not Linux), the reading is 0.
/// </summary>
public sealed class ProcStatCpuSampler(Func<string?> readStat, TimeProvider time, TimeSpan window) : ICpuSampler
{
    private readonly List<(long At, CpuTimes Times)> _readings = [];

    public ProcStatCpuSampler(TimeSpan window, TimeProvider time) : this(ReadProcStat, time, window)
    {
    }

    public readonly record struct CpuTimes(ulong Busy, ulong Total);

    public double Sample()
    {
        if (Parse(readStat()) is not { } now) return 0;
        var at = time.GetTimestamp();
        lock (_readings)
        {
            _readings.Add((at, now));
            // Keep exactly one reading at least a window old, as the baseline.
            while (_readings.Count > 2 && time.GetElapsedTime(_readings[1].At, at) >= window) _readings.RemoveAt(0);
            var baseline = _readings.Count == 1 ? new CpuTimes(0, 0) : _readings[0].Times;
            var total = now.Total - baseline.Total;
            if (total == 0) return 0;
            return Math.Clamp(100.0 * (now.Busy - baseline.Busy) / total, 0, 100);
        }
    }

    /// <summary>"cpu  user nice system idle iowait irq softirq steal guest guest_nice" (guest time is already in user and nice).</summary>
    public static CpuTimes? Parse(string? stat)
    {
        if (stat is null) return null;
        var line = stat.AsSpan();
        var end = line.IndexOf('\n');
        if (end >= 0) line = line[..end];
        if (!line.StartsWith("cpu ")) return null;
        Span<ulong> values = stackalloc ulong[8];
        var count = 0;
        foreach (var range in line[4..].Split(' '))
        {
            var field = line[4..][range];
            if (field.IsEmpty) continue;
            if (count == values.Length) break;
            if (!ulong.TryParse(field, out values[count])) return null;
            count++;
        }
        if (count < 4) return null;
        ulong total = 0;
        foreach (var v in values[..count]) total += v;
        var idle = values[3] + (count > 4 ? values[4] : 0); // idle + iowait
        return new CpuTimes(total - idle, total);
    }

    private static string? ReadProcStat()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            return reader.ReadLine();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
