namespace Narwhal.Core.Fleet;

/// <summary>A runners row as Dapper reads it; the only place that turns SQL values into a <see cref="RunnerInfo"/>.</summary>
internal sealed class RunnerRow
{
    public const string Columns = """
        id, host, version, classes, slots, running_run_ids, cpu_percent, memory_used_bytes, memory_total_bytes,
        quota_cpu_total, quota_cpu_free, quota_memory_total, quota_memory_free, paused_reason, state,
        drain_requested_at, drain_requested_by, heartbeat_sequence, heartbeat_sent_at, first_seen_at, last_seen_at, offline_at
        """;

    public string Id { get; set; } = "";
    public string Host { get; set; } = "";
    public string Version { get; set; } = "";
    public string[] Classes { get; set; } = [];
    public int Slots { get; set; }
    public Guid[] RunningRunIds { get; set; } = [];
    public double CpuPercent { get; set; }
    public long MemoryUsedBytes { get; set; }
    public long MemoryTotalBytes { get; set; }
    public int QuotaCpuTotal { get; set; }
    public int QuotaCpuFree { get; set; }
    public int QuotaMemoryTotal { get; set; }
    public int QuotaMemoryFree { get; set; }
    public string? PausedReason { get; set; }
    public string State { get; set; } = "";
    public DateTime? DrainRequestedAt { get; set; }
    public string? DrainRequestedBy { get; set; }
    public long HeartbeatSequence { get; set; }
    public DateTime? HeartbeatSentAt { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public DateTime? OfflineAt { get; set; }

    public RunnerInfo ToInfo() => new()
    {
        Id = Id,
        Host = Host,
        Version = Version,
        Classes = Classes,
        Slots = Slots,
        RunningRunIds = RunningRunIds,
        CpuPercent = CpuPercent,
        MemoryUsedBytes = MemoryUsedBytes,
        MemoryTotalBytes = MemoryTotalBytes,
        QuotaCpuTotal = QuotaCpuTotal,
        QuotaCpuFree = QuotaCpuFree,
        QuotaMemoryTotal = QuotaMemoryTotal,
        QuotaMemoryFree = QuotaMemoryFree,
        PausedReason = PausedReason,
        State = RunnerStateNames.Parse(State),
        DrainRequestedAt = Utc(DrainRequestedAt),
        DrainRequestedBy = DrainRequestedBy,
        HeartbeatSequence = HeartbeatSequence,
        HeartbeatSentAt = Utc(HeartbeatSentAt),
        FirstSeenAt = Utc(FirstSeenAt),
        LastSeenAt = Utc(LastSeenAt),
        OfflineAt = Utc(OfflineAt),
    };

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;
}
