namespace Narwhal.Contracts;

/// <summary>
/// Published by every Runner every few seconds (NARWHAL_HEARTBEAT_INTERVAL_SECONDS) to the
/// <c>narwhal.heartbeats</c> exchange; the Dispatcher keeps the <c>runners</c> table from them,
/// stamped with the database's clock (a Runner's clock is never trusted for liveness).
/// </summary>
public sealed record RunnerHeartbeat
{
    public required string RunnerId { get; init; }
    public required string Host { get; init; }
    public required string Version { get; init; }
    /// <summary>Resource classes served, in order of preference.</summary>
    public required IReadOnlyList<string> Classes { get; init; }
    public required int Slots { get; init; }
    public required IReadOnlyList<Guid> RunningRunIds { get; init; }
    /// <summary>Host CPU use, 0-100, averaged over the Runner's CPU window.</summary>
    public required double CpuPercent { get; init; }
    public required long MemoryUsedBytes { get; init; }
    public required long MemoryTotalBytes { get; init; }
    public required RunnerQuota Quota { get; init; }
    public required bool Draining { get; init; }
    /// <summary>Why the Runner takes nothing right now (e.g. "cpu 93% ≥ 85%", "disk", "quota"), or null.</summary>
    public string? Paused { get; init; }
    /// <summary>Increases by one per heartbeat of one Runner process; a restart starts again at 1.</summary>
    public required long Sequence { get; init; }
    public required DateTimeOffset SentAt { get; init; }
}

/// <summary>A Runner's quota in CPU and memory units: its total and what its running runs leave free.</summary>
public sealed record RunnerQuota(int CpuTotal, int CpuFree, int MemoryTotal, int MemoryFree);
