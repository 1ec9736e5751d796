using Narwhal.Api.Runs;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Dtos;

public sealed record RunDto
{
    public required Guid Id { get; init; }
    public required string Job { get; init; }
    public required int Number { get; init; }
    public required RunStatus Status { get; init; }
    public string? StatusReason { get; init; }
    public required string ResourceClass { get; init; }
    public string? CommitSha { get; init; }
    public string? Branch { get; init; }
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required RunTrigger Trigger { get; init; }
    public Guid? RerunOf { get; init; }
    public required int Attempt { get; init; }
    public string? RunnerId { get; init; }
    public int? ExitCode { get; init; }
    public required DateTime CreatedAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public DateTime? AbortRequestedAt { get; init; }
    public string? AbortRequestedBy { get; init; }
    /// <summary>Size of the stored console log, once the run ended.</summary>
    public long? LogSize { get; init; }
    /// <summary>The log reached its size limit; a marker ends it.</summary>
    public bool LogTruncated { get; init; }
    /// <summary>When retention deleted the run's logs and results (they are gone, the run record stays).</summary>
    public DateTime? ResultsExpiredAt { get; init; }
    /// <summary>Queued but held back by its job's concurrency limit (maxConcurrent): it starts, in trigger order, when a run sharing the limit ends.</summary>
    public bool Held { get; init; }
    /// <summary>While held: the limit it waits for, e.g. "concurrency group 'deploy-prod'" or "maxConcurrent of job 'deploy'".</summary>
    public string? WaitingFor { get; init; }
    /// <summary>The run is a pipeline: its work is its steps, its status derives from theirs, and it has no console of its own.</summary>
    public bool Pipeline { get; init; }
    /// <summary>
    /// The current attempt of every step, in the order written (a run without steps: one step <c>main</c>, the run
    /// itself). Given by single-run answers; absent from lists, which stay one cheap query per page.
    /// </summary>
    public IReadOnlyList<StepDto>? Steps { get; init; }
    public required RunLinks Links { get; init; }

    /// <summary>The run with its steps (a single-run answer).</summary>
    public static RunDto From(Run run, IReadOnlyList<RunStep> steps) =>
        From(run) with { Steps = steps.Select(s => StepDto.From(run.Id, s)).ToList() };

    /// <summary>While held: the limit the row waits for.</summary>
    public static string? WaitingForOf(Run run) =>
        run is { Held: true, ConcurrencyKey: { } key } ? ConcurrencyKey.Describe(key) : null;

    /// <summary>The run without its steps (lists).</summary>
    public static RunDto From(Run run) => new()
    {
        Id = run.Id,
        Job = run.JobName,
        Number = run.Number,
        Status = run.Status,
        StatusReason = run.StatusReason,
        ResourceClass = run.ResourceClass,
        CommitSha = run.CommitSha,
        Branch = run.Branch,
        Parameters = run.Parameters,
        Trigger = run.Trigger,
        RerunOf = run.RerunOf,
        Attempt = run.Attempt,
        RunnerId = run.RunnerId,
        ExitCode = run.ExitCode,
        CreatedAt = run.CreatedAt.UtcDateTime,
        StartedAt = run.StartedAt?.UtcDateTime,
        FinishedAt = run.FinishedAt?.UtcDateTime,
        UpdatedAt = run.UpdatedAt.UtcDateTime,
        AbortRequestedAt = run.AbortRequestedAt?.UtcDateTime,
        AbortRequestedBy = run.AbortRequestedBy,
        LogSize = run.LogSize,
        LogTruncated = run.LogTruncated,
        ResultsExpiredAt = run.ResultsExpiredAt?.UtcDateTime,
        Held = run.Held,
        WaitingFor = WaitingForOf(run),
        Pipeline = run.Pipeline,
        Links = new RunLinks($"/runs/{run.Id}", $"/jobs/{Uri.EscapeDataString(run.JobName)}/runs/{run.Number}", $"/runs/{run.Id}/results/console"),
    };
}

public sealed record RunLinks(string Self, string ByNumber, string Console);
