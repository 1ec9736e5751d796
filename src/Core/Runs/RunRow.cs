using Narwhal.Core.Persistence;

namespace Narwhal.Core.Runs;

/// <summary>A runs row as Dapper reads it; the only place that turns SQL values into a <see cref="Run"/>.</summary>
public sealed class RunRow
{
    public const string Columns = """
        id, job_id, job_name, number, status, status_reason, resource_class, commit_sha, branch,
        parameters::text AS parameters, trigger::text AS trigger, rerun_of, attempt, attempt_id, runner_id,
        exit_code, log_key, idempotency_key, request_hash, created_at, started_at, finished_at, updated_at,
        abort_requested_at, abort_requested_by, log_size, log_truncated, results_expired_at, concurrency_key, held,
        parent_run_id, pipeline, fail_fast
        """;

    public Guid Id { get; set; }
    public Guid JobId { get; set; }
    public string JobName { get; set; } = "";
    public int Number { get; set; }
    public string Status { get; set; } = "";
    public string? StatusReason { get; set; }
    public string ResourceClass { get; set; } = "";
    public string? CommitSha { get; set; }
    public string? Branch { get; set; }
    public string Parameters { get; set; } = "{}";
    public string Trigger { get; set; } = "{}";
    public Guid? RerunOf { get; set; }
    public int Attempt { get; set; }
    public Guid? AttemptId { get; set; }
    public string? RunnerId { get; set; }
    public int? ExitCode { get; set; }
    public string? LogKey { get; set; }
    public string? IdempotencyKey { get; set; }
    public string? RequestHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? AbortRequestedAt { get; set; }
    public string? AbortRequestedBy { get; set; }
    public long? LogSize { get; set; }
    public bool LogTruncated { get; set; }
    public DateTime? ResultsExpiredAt { get; set; }
    public string? ConcurrencyKey { get; set; }
    public bool Held { get; set; }
    public Guid? ParentRunId { get; set; }
    public bool Pipeline { get; set; }
    public bool FailFast { get; set; }

    public Run ToRun() => new()
    {
        Id = Id,
        JobId = JobId,
        JobName = JobName,
        Number = Number,
        Status = RunStatusNames.Parse(Status),
        StatusReason = StatusReason,
        ResourceClass = ResourceClass,
        CommitSha = CommitSha,
        Branch = Branch,
        Parameters = Json.Deserialize<Dictionary<string, string>>(Parameters),
        Trigger = Json.Deserialize<RunTrigger>(Trigger),
        RerunOf = RerunOf,
        Attempt = Attempt,
        AttemptId = AttemptId,
        RunnerId = RunnerId,
        ExitCode = ExitCode,
        LogKey = LogKey,
        IdempotencyKey = IdempotencyKey,
        RequestHash = RequestHash,
        CreatedAt = Utc(CreatedAt),
        StartedAt = StartedAt is { } s ? Utc(s) : null,
        FinishedAt = FinishedAt is { } f ? Utc(f) : null,
        UpdatedAt = Utc(UpdatedAt),
        AbortRequestedAt = AbortRequestedAt is { } a ? Utc(a) : null,
        AbortRequestedBy = AbortRequestedBy,
        LogSize = LogSize,
        LogTruncated = LogTruncated,
        ResultsExpiredAt = ResultsExpiredAt is { } x ? Utc(x) : null,
        ConcurrencyKey = ConcurrencyKey,
        Held = Held,
        ParentRunId = ParentRunId,
        Pipeline = Pipeline,
        FailFast = FailFast,
    };

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
