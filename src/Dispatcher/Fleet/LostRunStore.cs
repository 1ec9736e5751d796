using Dapper;
using Narwhal.Contracts;
using Narwhal.Core.Fleet;
using Narwhal.Core.Jobs;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Dispatcher.Fleet;

/// <summary>
/// Finds running runs whose Runner is gone and ends them <c>lost</c>, or queues them again when
/// their job (or, for a pipeline step, the step) opted in (<c>retry.onLost</c>). Pipeline runs are
/// never lost themselves: their steps are. A run is judged only after it has been running for the
/// whole offline timeout, so a run a live Runner has just claimed is never touched, and only when:
/// its Runner is offline; or no heartbeat of its Runner was ever recorded; or its Runner is alive
/// but has not listed the run in any heartbeat recorded for the timeout (it restarted under the
/// same id and forgot it). Each run is decided in its own transaction on the locked row, the
/// condition checked again there, so two Dispatcher replicas never act twice on one attempt.
/// </summary>
public sealed class LostRunStore(NpgsqlDataSource db, TimeProvider clock)
{
    // A pipeline run is running without a Runner by design (its steps are the runs Runners hold).
    private const string LostCondition = """
        r.status = @running
        AND NOT r.pipeline
        AND r.started_at < now() - make_interval(secs => @seconds)
        AND (n.id IS NULL
             OR n.state = @offline
             OR (NOT (r.id = ANY (n.running_run_ids)) AND r.started_at < n.last_seen_at - make_interval(secs => @seconds)))
        """;

    private sealed class CandidateRow
    {
        public Guid Id { get; set; }
        public Guid AttemptId { get; set; }
        public string JobName { get; set; } = "";
        public int Number { get; set; }
        public int Attempt { get; set; }
        public string ResourceClass { get; set; } = "";
        public string? RunnerId { get; set; }
        public DateTime StartedAt { get; set; }
        public string? RunnerState { get; set; }
        public DateTime? RunnerLastSeenAt { get; set; }
    }

    private sealed class LockedRow
    {
        public int LostRetries { get; set; }
        public int? StepRetryOnLost { get; set; }
        public bool AbortRequested { get; set; }
        public string Spec { get; set; } = "{}";
        public bool JobDeleted { get; set; }
    }

    /// <summary>Running runs that are lost by the rules above, oldest first.</summary>
    public async Task<IReadOnlyList<LostRun>> FindAsync(TimeSpan offlineTimeout, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<CandidateRow>(new CommandDefinition($"""
            SELECT r.id, r.attempt_id, r.job_name, r.number, r.attempt, r.resource_class, r.runner_id, r.started_at,
                   n.state AS runner_state, n.last_seen_at AS runner_last_seen_at
            FROM runs r LEFT JOIN runners n ON n.id = r.runner_id
            WHERE {LostCondition}
            ORDER BY r.started_at
            LIMIT @limit
            """, Parameters(offlineTimeout, new { limit }), cancellationToken: ct));
        return rows.Select(r => new LostRun
        {
            RunId = r.Id,
            AttemptId = r.AttemptId,
            JobName = r.JobName,
            Number = r.Number,
            Attempt = r.Attempt,
            ResourceClass = r.ResourceClass,
            RunnerId = r.RunnerId ?? "(none)",
            StartedAt = Utc(r.StartedAt),
            RunnerLastSeenAt = r.RunnerLastSeenAt is { } seen ? Utc(seen) : null,
            Cause = r.RunnerState switch
            {
                null => LostCause.RunnerNeverSeen,
                var s when s == RunnerState.Offline.Name() => LostCause.RunnerSilent,
                _ => LostCause.RunnerForgotIt,
            },
        }).ToList();
    }

    /// <summary>
    /// Ends the lost attempt: <c>lost</c> with the reason, or (retry.onLost not used up, no abort
    /// requested, job not deleted) back to <c>queued</c> with no attempt id (the old attempt's
    /// writes are refused from now on), no Runner, queued_at = now(), lost_retries + 1, its partial
    /// live log dropped, and an ExecuteRun outbox row, all in one transaction.
    /// </summary>
    public async Task<LostRunOutcome> ResolveAsync(LostRun lost, TimeSpan offlineTimeout, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<LockedRow>(new CommandDefinition($"""
            SELECT r.lost_retries, s.retry_on_lost AS step_retry_on_lost, r.abort_requested_at IS NOT NULL AS abort_requested,
                   j.spec::text AS spec, j.deleted_at IS NOT NULL AS job_deleted
            FROM runs r LEFT JOIN runners n ON n.id = r.runner_id JOIN jobs j ON j.id = r.job_id
                 LEFT JOIN run_steps s ON s.run_id = r.id
            WHERE r.id = @runId AND r.attempt_id = @attemptId AND {LostCondition}
            FOR UPDATE OF r
            """, Parameters(offlineTimeout, new { runId = lost.RunId, attemptId = lost.AttemptId }), tx, cancellationToken: ct));
        if (row is null) return LostRunOutcome.Skipped;

        // A pipeline step's own retry.onLost, else its job's.
        var allowed = row.StepRetryOnLost ?? Json.Deserialize<JobSpec>(row.Spec).Retry?.OnLost ?? 0;
        var notRetried = row switch
        {
            { AbortRequested: true } => "Not retried: an abort was requested.",
            { JobDeleted: true } => "Not retried: its job was deleted.",
            _ when allowed <= 0 => $"Not retried: the {(row.StepRetryOnLost is null ? "job" : "step")} does not opt in (retry.onLost).",
            _ when row.LostRetries >= allowed => $"Not retried: its {allowed} retr{(allowed == 1 ? "y" : "ies")} on loss {(allowed == 1 ? "is" : "are")} used up.",
            _ => null,
        };

        LostRunOutcome outcome;
        if (notRetried is not null)
        {
            var reason = $"{lost.Describe()} {notRetried}";
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE runs SET status = @lostStatus, status_reason = @reason, finished_at = now(), updated_at = now()
                WHERE id = @runId
                """, new { runId = lost.RunId, reason, lostStatus = RunStatus.Lost.Name() }, tx, cancellationToken: ct));
            outcome = new LostRunOutcome(LostRunAction.MarkedLost, reason, RetriesAllowed: allowed);
        }
        else
        {
            var retry = row.LostRetries + 1;
            var reason = $"{lost.Describe()} Attempt {lost.Attempt} lost; queued again (retry {retry} of {allowed}).";
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE runs SET status = @queued, attempt_id = NULL, runner_id = NULL, started_at = NULL, exit_code = NULL,
                    queued_at = now(), lost_retries = lost_retries + 1, status_reason = @reason, updated_at = now()
                WHERE id = @runId
                """, new { runId = lost.RunId, reason, queued = RunStatus.Queued.Name() }, tx, cancellationToken: ct));
            // The lost attempt's partial live log: the new attempt writes its own from offset 0.
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM run_log_chunks WHERE run_id = @runId", new { runId = lost.RunId }, tx, cancellationToken: ct));
            var message = new ExecuteRun
            {
                RunId = lost.RunId, JobName = lost.JobName, RunNumber = lost.Number,
                ResourceClass = lost.ResourceClass, EnqueuedAt = clock.GetUtcNow(),
            };
            var outboxId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(OutboxStore.InsertSql, new
            {
                lost.RunId, Queue = RunQueues.QueueName(lost.ResourceClass),
                MessageType = nameof(ExecuteRun), Payload = Json.Serialize(message),
            }, tx, cancellationToken: ct));
            outcome = new LostRunOutcome(LostRunAction.Requeued, reason, retry, allowed, outboxId);
        }
        await tx.CommitAsync(ct);
        return outcome;
    }

    private static DynamicParameters Parameters(TimeSpan offlineTimeout, object extra)
    {
        var parameters = new DynamicParameters(extra);
        parameters.Add("running", RunStatus.Running.Name());
        parameters.Add("offline", RunnerState.Offline.Name());
        parameters.Add("seconds", offlineTimeout.TotalSeconds);
        return parameters;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
