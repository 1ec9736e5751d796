using Narwhal.Contracts;

namespace Narwhal.Testing;

/// <summary>
/// Heartbeats as a Runner sends them, for registering Runners without running one: a Runner of class small with
/// two slots, online, idle unless told otherwise.
/// </summary>
public static class Heartbeats
{
    public static RunnerHeartbeat Of(string runnerId, long sequence = 1, DateTimeOffset? sentAt = null, bool draining = false,
        IReadOnlyList<Guid>? running = null, IReadOnlyList<string>? classes = null) => new()
        {
            RunnerId = runnerId,
            Host = "test-host",
            Version = "test",
            Classes = classes ?? ["small"],
            Slots = 2,
            RunningRunIds = running ?? [],
            CpuPercent = 12.5,
            MemoryUsedBytes = 1_000,
            MemoryTotalBytes = 8_000,
            Quota = new RunnerQuota(CpuTotal: 4, CpuFree: 4, MemoryTotal: 4096, MemoryFree: 4096),
            Draining = draining,
            Sequence = sequence,
            SentAt = sentAt ?? DateTimeOffset.UtcNow,
        };
}
