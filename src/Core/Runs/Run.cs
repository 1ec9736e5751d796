namespace Narwhal.Core.Runs;

public sealed record Run
{
    public required Guid Id { get; init; }
    public required Guid JobId { get; init; }
    public required string JobName { get; init; }
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
    public Guid? AttemptId { get; init; }
    public string? RunnerId { get; init; }
    public int? ExitCode { get; init; }
    public string? LogKey { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? RequestHash { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? AbortRequestedAt { get; init; }
    public string? AbortRequestedBy { get; init; }
    public long? LogSize { get; init; }
    public bool LogTruncated { get; init; }
    /// <summary>When retention deleted the run's stored logs and results.</summary>
    public DateTimeOffset? ResultsExpiredAt { get; init; }
    /// <summary>Runs sharing a concurrency limit carry the same key (<see cref="Runs.ConcurrencyKey"/>); null = no limit.</summary>
    public string? ConcurrencyKey { get; init; }
    /// <summary>Queued but waiting for its concurrency limit: no message exists for it until it is released.</summary>
    public bool Held { get; init; }
    /// <summary>Set on a pipeline step's row: the top-level run it is a step of (its number is that run's).</summary>
    public Guid? ParentRunId { get; init; }
    /// <summary>A top-level run whose work is its steps: no Runner of its own, its status derived from theirs by the database.</summary>
    public bool Pipeline { get; init; }
    /// <summary>A pipeline stopping its other steps at the first step that fails (<c>failFast: true</c>).</summary>
    public bool FailFast { get; init; }
}
