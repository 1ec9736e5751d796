namespace Narwhal.Runner.Fleet;

/// <summary>The host's memory from /proc/meminfo (used = MemTotal − MemAvailable).</summary>
public static class HostMemory
{
    public readonly record struct Reading(long TotalBytes, long UsedBytes);

    public static Reading Read()
    {
        try
        {
            long? total = null, available = null;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal)) total = Kilobytes(line);
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) available = Kilobytes(line);
                if (total is not null && available is not null) break;
            }
            if (total is { } t) return new Reading(t, Math.Max(0, t - (available ?? t)));
        }
        catch (IOException) { /* not Linux, or no /proc: fall back below */ }
        catch (UnauthorizedAccessException) { }
        return new Reading(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, 0);
    }

    /// <summary>The default memory quota: all of the host's memory, in MB.</summary>
    public static int DefaultQuotaMb() => (int)Math.Clamp(Read().TotalBytes / 1_048_576, 1, int.MaxValue);

    // "MemTotal:       24589104 kB"
    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
}
