using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Narwhal.Core.Metrics;

/// <summary>
/// The usual process gauges, under the names Prometheus' own client libraries use, read at scrape
/// time: resident memory, CPU time, start time, the GC heap and collections per generation.
/// </summary>
public sealed class ProcessMetrics : IDisposable
{
    public const string MeterName = "Narwhal.Process";

    private readonly Meter _meter;

    public ProcessMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        using var process = Process.GetCurrentProcess();
        var startTime = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;

        _meter.CreateObservableGauge("process_resident_memory_bytes", () => Environment.WorkingSet,
            "By", "Resident memory size in bytes.");
        _meter.CreateObservableCounter("process_cpu_seconds_total", () => Environment.CpuUsage.TotalTime.TotalSeconds,
            "s", "Total user and system CPU time spent in seconds.");
        _meter.CreateObservableGauge("process_start_time_seconds", () => startTime,
            "s", "Start time of the process since unix epoch in seconds.");
        _meter.CreateObservableGauge("dotnet_gc_heap_size_bytes", () => GC.GetGCMemoryInfo().HeapSizeBytes,
            "By", "Size of the managed (GC) heap after the last collection, in bytes.");
        _meter.CreateObservableCounter("dotnet_gc_allocated_bytes_total", () => GC.GetTotalAllocatedBytes(),
            "By", "Bytes allocated on the managed heap since the process started.");
        _meter.CreateObservableCounter("dotnet_gc_collections_total", ObserveCollections,
            null, "Garbage collections since the process started, per generation.");
    }

    public void Dispose() => _meter.Dispose();

    private static IEnumerable<Measurement<long>> ObserveCollections()
    {
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
            yield return new Measurement<long>(GC.CollectionCount(generation), new KeyValuePair<string, object?>("generation", generation));
    }
}
