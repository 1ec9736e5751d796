using Narwhal.Core.Fleet;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Dtos;

/// <summary>
/// A Runner in the registry: its state (online, draining, offline), what it serves, its load as of its
/// last heartbeat, and the runs it said it was executing. Times are the database's clock.
/// </summary>
public sealed record RunnerDto
{
    public required string Id { get; init; }
    public required RunnerState State { get; init; }
    public required string Host { get; init; }
    public required string Version { get; init; }
    /// <summary>Resource classes served, in the Runner's order of preference.</summary>
    public required IReadOnlyList<string> Classes { get; init; }
    public required int Slots { get; init; }
    /// <summary>How many runs it is executing: its last heartbeat's, less those that have ended since.</summary>
    public required int Running { get; init; }
    public required RunnerLoadDto Load { get; init; }
    /// <summary>Why it takes nothing right now (e.g. "cpu 93% ≥ 85%", "disk"), or absent.</summary>
    public string? Paused { get; init; }
    public required IReadOnlyList<RunnerRunDto> RunningRuns { get; init; }
    public DateTime? DrainRequestedAt { get; init; }
    public string? DrainRequestedBy { get; init; }
    public required DateTime FirstSeenAt { get; init; }
    public required DateTime LastSeenAt { get; init; }
    public DateTime? OfflineAt { get; init; }

    /// <param name="runs">The runs of the registry's running ids that exist (a run id the database does not know is shown bare).</param>
    public static RunnerDto From(RunnerInfo runner, IReadOnlyDictionary<Guid, Run> runs)
    {
        // The heartbeat is up to one interval old: a run that has ended since in Postgres is not running any more.
        var running = runner.RunningRunIds.Where(id => !(runs.TryGetValue(id, out var run) && run.Status.IsTerminal())).ToList();
        return From(runner, runs, running);
    }

    private static RunnerDto From(RunnerInfo runner, IReadOnlyDictionary<Guid, Run> runs, List<Guid> running) => new()
    {
        Id = runner.Id,
        State = runner.State,
        Host = runner.Host,
        Version = runner.Version,
        Classes = runner.Classes,
        Slots = runner.Slots,
        Running = running.Count,
        Load = new RunnerLoadDto(runner.CpuPercent, runner.MemoryUsedBytes, runner.MemoryTotalBytes,
            new RunnerQuotaDto(runner.QuotaCpuTotal, runner.QuotaCpuFree, runner.QuotaMemoryTotal, runner.QuotaMemoryFree)),
        Paused = runner.PausedReason,
        RunningRuns = running.Select(id => runs.TryGetValue(id, out var run)
                ? new RunnerRunDto(run.Id, run.JobName, run.Number, run.Status, run.StartedAt?.UtcDateTime,
                    // A pipeline's step is addressed through its run.
                    $"/runs/{run.ParentRunId ?? run.Id}")
                : new RunnerRunDto(id, null, null, null, null, $"/runs/{id}"))
            .ToList(),
        DrainRequestedAt = runner.DrainRequestedAt?.UtcDateTime,
        DrainRequestedBy = runner.DrainRequestedBy,
        FirstSeenAt = runner.FirstSeenAt.UtcDateTime,
        LastSeenAt = runner.LastSeenAt.UtcDateTime,
        OfflineAt = runner.OfflineAt?.UtcDateTime,
    };
}

/// <summary>Host CPU (0-100) and memory as the Runner measured them, and its quota units (total and left free by its runs).</summary>
public sealed record RunnerLoadDto(double CpuPercent, long MemoryUsedBytes, long MemoryTotalBytes, RunnerQuotaDto Quota);

public sealed record RunnerQuotaDto(int CpuTotal, int CpuFree, int MemoryTotal, int MemoryFree);

/// <summary>A run the Runner reported executing; job, number and status are absent when the database does not know the id.</summary>
public sealed record RunnerRunDto(Guid Id, string? Job, int? Number, RunStatus? Status, DateTime? StartedAt, string Self);
