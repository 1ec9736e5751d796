using Dapper;
using Narwhal.Core.Jobs;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Dispatcher.Github.Statuses;

/// <summary>
/// The commit status updates the database records for runs that report to GitHub
/// (migrations/0009: a trigger on runs writes one row per status change), and their posting state.
/// </summary>
/// <remarks>
/// Several Dispatcher replicas share the work without posting anything twice and without ever
/// posting a run's statuses out of order: a claim (<see cref="ClaimAsync"/>) takes, for each run, only
/// its newest unposted row, only when no row of that run is being posted (a lease,
/// <c>claimed_until</c>), and marks the run's older unposted rows superseded. Claims are serialised
/// by one transaction-level advisory lock (they take milliseconds), and the rows are locked with
/// FOR UPDATE SKIP LOCKED. No transaction stays open across the HTTP call, which may wait for a
/// Retry-After: the lease covers it, and a crashed reporter's lease simply runs out.
/// </remarks>
public sealed class CommitStatusStore(NpgsqlDataSource db)
{
    /// <summary>Postgres channel on which the trigger announces a new row (payload: the run id).</summary>
    public const string Channel = "narwhal_commit_status";

    /// <summary>Two-argument advisory lock space of this migration (0009), apart from the others.</summary>
    private const int LockSpace = 9009;

    public static string OutcomeName(CommitStatusOutcome outcome) => outcome switch
    {
        CommitStatusOutcome.Posted => "posted",
        CommitStatusOutcome.Superseded => "superseded",
        CommitStatusOutcome.Skipped => "skipped",
        CommitStatusOutcome.Refused => "refused",
        CommitStatusOutcome.GaveUp => "gave_up",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>
    /// Claims up to <paramref name="limit"/> updates to post now, at most one per run (its newest),
    /// leased for <paramref name="lease"/>; the run's older unposted rows are marked superseded.
    /// </summary>
    public async Task<IReadOnlyList<CommitStatusUpdate>> ClaimAsync(int limit, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(@LockSpace, 0)", new { LockSpace }, tx, cancellationToken: ct));
        var rows = (await connection.QueryAsync<ClaimedRow>(new CommandDefinition($"""
            WITH newest AS (
                SELECT DISTINCT ON (u.run_id) u.id, u.run_id, u.next_attempt_at
                FROM commit_status_updates u
                WHERE u.done_at IS NULL
                ORDER BY u.run_id, u.id DESC
            ), due AS (
                SELECT n.id, n.run_id
                FROM newest n
                WHERE n.next_attempt_at <= now()
                  AND NOT EXISTS (SELECT 1 FROM commit_status_updates l
                                  WHERE l.run_id = n.run_id AND l.done_at IS NULL AND l.claimed_until > now())
                ORDER BY n.id
                LIMIT @limit
            ), locked AS (
                SELECT u.id, u.run_id FROM commit_status_updates u
                WHERE u.id IN (SELECT id FROM due)
                FOR UPDATE SKIP LOCKED
            ), superseded AS (
                UPDATE commit_status_updates o
                SET done_at = now(), outcome = @supersededName, claimed_until = NULL
                FROM locked
                WHERE o.run_id = locked.run_id AND o.id < locked.id AND o.done_at IS NULL
                RETURNING o.id
            )
            UPDATE commit_status_updates u
            SET claimed_until = now() + make_interval(secs => @leaseSeconds), attempts = u.attempts + 1,
                first_attempt_at = COALESCE(u.first_attempt_at, now())
            FROM locked, runs r LEFT JOIN run_steps s ON s.run_id = r.id, jobs j
            WHERE u.id = locked.id AND r.id = u.run_id AND j.id = r.job_id
            RETURNING u.id, u.run_id, u.commit_sha, u.run_status, u.attempts, s.key AS step_key, s.parent_run_id,
                      r.job_name, r.number AS run_number, r.attempt AS run_attempt, r.status_reason, r.exit_code, r.runner_id,
                      r.trigger::text AS trigger, j.spec::text AS spec, r.started_at, r.finished_at
            """, new { limit, leaseSeconds = lease.TotalSeconds, supersededName = OutcomeName(CommitStatusOutcome.Superseded) },
            tx, cancellationToken: ct))).ToList();
        await tx.CommitAsync(ct);
        return rows.OrderBy(r => r.Id).Select(r => r.ToUpdate()).ToList();
    }

    /// <summary>Ends a claimed update: posted, skipped or refused (with the reason).</summary>
    public async Task CompleteAsync(long id, CommitStatusOutcome outcome, string? error, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE commit_status_updates
            SET done_at = now(), outcome = @outcome, claimed_until = NULL, last_error = COALESCE(@error, last_error)
            WHERE id = @id AND done_at IS NULL
            """, new { id, outcome = OutcomeName(outcome), error }, cancellationToken: ct));
    }

    /// <summary>
    /// A post failed and may succeed later: try again after <paramref name="delay"/>, unless the update
    /// has been failing for <paramref name="giveUpAfter"/> since its first attempt by then; then it ends
    /// given up. Returns true when it gave up.
    /// </summary>
    public async Task<bool> RetryLaterAsync(long id, TimeSpan delay, TimeSpan giveUpAfter, string error, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var outcome = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition("""
            UPDATE commit_status_updates
            SET claimed_until = NULL, last_error = @error,
                next_attempt_at = now() + make_interval(secs => @delaySeconds),
                done_at = CASE WHEN first_attempt_at + make_interval(secs => @giveUpSeconds) <= now() + make_interval(secs => @delaySeconds)
                               THEN now() END,
                outcome = CASE WHEN first_attempt_at + make_interval(secs => @giveUpSeconds) <= now() + make_interval(secs => @delaySeconds)
                               THEN @gaveUp END
            WHERE id = @id AND done_at IS NULL
            RETURNING outcome
            """, new
        {
            id, error, delaySeconds = delay.TotalSeconds, giveUpSeconds = giveUpAfter.TotalSeconds,
            gaveUp = OutcomeName(CommitStatusOutcome.GaveUp)
        }, cancellationToken: ct));
        return outcome is not null;
    }

    /// <summary>
    /// With no reporter (no token configured): updates older than <paramref name="olderThan"/> end
    /// given up, so the table does not grow without bound. Returns how many.
    /// </summary>
    public async Task<int> ExpireAsync(TimeSpan olderThan, string reason, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE commit_status_updates
            SET done_at = now(), outcome = @gaveUp, last_error = @reason, claimed_until = NULL
            WHERE done_at IS NULL AND created_at < now() - make_interval(secs => @seconds)
            """, new { seconds = olderThan.TotalSeconds, reason, gaveUp = OutcomeName(CommitStatusOutcome.GaveUp) },
            cancellationToken: ct));
    }

    /// <summary>Deletes finished updates older than <paramref name="olderThan"/>. Returns how many.</summary>
    public async Task<int> PruneAsync(TimeSpan olderThan, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM commit_status_updates WHERE done_at < now() - make_interval(secs => @seconds)",
            new { seconds = olderThan.TotalSeconds }, cancellationToken: ct));
    }

    private sealed class ClaimedRow
    {
        public long Id { get; set; }
        public Guid RunId { get; set; }
        public string CommitSha { get; set; } = "";
        public string RunStatus { get; set; } = "";
        public int Attempts { get; set; }
        public string JobName { get; set; } = "";
        public int RunNumber { get; set; }
        public int RunAttempt { get; set; }
        public string? StatusReason { get; set; }
        public int? ExitCode { get; set; }
        public string? RunnerId { get; set; }
        public string Trigger { get; set; } = "{}";
        public string Spec { get; set; } = "{}";
        public DateTime? StartedAt { get; set; }
        public DateTime? FinishedAt { get; set; }
        public string? StepKey { get; set; }
        public Guid? ParentRunId { get; set; }

        public CommitStatusUpdate ToUpdate() => new()
        {
            Id = Id,
            RunId = RunId,
            StepKey = StepKey,
            PipelineRunId = ParentRunId,
            CommitSha = CommitSha,
            RunStatus = RunStatusNames.Parse(RunStatus),
            Attempts = Attempts,
            JobName = JobName,
            RunNumber = RunNumber,
            RunAttempt = RunAttempt,
            StatusReason = StatusReason,
            ExitCode = ExitCode,
            RunnerId = RunnerId,
            Trigger = Json.Deserialize<RunTrigger>(Trigger),
            Job = Json.Deserialize<JobSpec>(Spec),
            StartedAt = Utc(StartedAt),
            FinishedAt = Utc(FinishedAt),
        };

        private static DateTimeOffset? Utc(DateTime? value) =>
            value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
    }
}
