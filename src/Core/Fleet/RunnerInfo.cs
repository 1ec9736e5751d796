namespace Narwhal.Core.Fleet;

/// <summary>One row of the runner registry: what the Runner last reported, and the database's times.</summary>
public sealed record RunnerInfo
{
    public required string Id { get; init; }
    public required string Host { get; init; }
    public required string Version { get; init; }
    /// <summary>Resource classes served, in the Runner's order of preference.</summary>
    public required IReadOnlyList<string> Classes { get; init; }
    public required int Slots { get; init; }
    /// <summary>The runs its last heartbeat said it was executing.</summary>
    public required IReadOnlyList<Guid> RunningRunIds { get; init; }
    public required double CpuPercent { get; init; }
    public required long MemoryUsedBytes { get; init; }
    public required long MemoryTotalBytes { get; init; }
    public required int QuotaCpuTotal { get; init; }
    public required int QuotaCpuFree { get; init; }
    public required int QuotaMemoryTotal { get; init; }
    public required int QuotaMemoryFree { get; init; }
    /// <summary>Why the Runner takes nothing right now, or null.</summary>
    public string? PausedReason { get; init; }
    public required RunnerState State { get; init; }
    public DateTimeOffset? DrainRequestedAt { get; init; }
    public string? DrainRequestedBy { get; init; }
    public required long HeartbeatSequence { get; init; }
    /// <summary>The Runner's clock when it sent its last heartbeat (ordering only, never liveness).</summary>
    public DateTimeOffset? HeartbeatSentAt { get; init; }
    /// <summary>The database's clock, like <see cref="LastSeenAt"/> and <see cref="OfflineAt"/>.</summary>
    public required DateTimeOffset FirstSeenAt { get; init; }
    public required DateTimeOffset LastSeenAt { get; init; }
    public DateTimeOffset? OfflineAt { get; init; }
}
