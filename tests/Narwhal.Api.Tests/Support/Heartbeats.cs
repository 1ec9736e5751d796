using Narwhal.Contracts;

namespace Narwhal.Api.Tests.Support;

/// <summary>Heartbeats as a Runner sends them, for registering Runners in the registry without running one.</summary>
internal static class Heartbeats
{
    public static RunnerHeartbeat Of(string runnerId, long sequence = 1) => new()
    {
        RunnerId = runnerId,
        Host = "test-host",
        Version = "0.0.0-test",
        Classes = ["small"],
        Slots = 2,
        RunningRunIds = [],
        CpuPercent = 12.5,
        MemoryUsedBytes = 1L << 30,
        MemoryTotalBytes = 8L << 30,
        Quota = new RunnerQuota(4, 4, 8, 8),
        Draining = false,
        Sequence = sequence,
        SentAt = DateTimeOffset.UtcNow,
    };
}
