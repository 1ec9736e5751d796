using Dapper;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Dispatcher.Pipelines;

/// <summary>An approval gate nobody decided within its <c>timeout</c>.</summary>
public sealed record OverdueGate(Guid StepId, Guid ParentRunId, string Key, string JobName, int Number, int TimeoutSeconds);

/// <summary>
/// Approval gates past their timeout (since their approval was requested, database clock) are ended <c>timed_out</c>
/// here, decided by <c>timeout</c>; the trigger of migration 0012 advances the pipeline in the same transaction. The
/// run's row is locked before the gate's, as every decision does (migrations/0015_approvals.sql).
/// </summary>
public sealed class GateTimeoutStore(NpgsqlDataSource db)
{
    public const string DecidedBy = "timeout";

    // The gate's deadline, from the row: the same expression finds and re-checks it.
    private const string Overdue = """
        s.block IS NOT NULL AND s.approval_requested_at IS NOT NULL AND s.decision IS NULL AND s.superseded_at IS NULL
        AND s.block -> 'timeoutSeconds' IS NOT NULL
        AND s.approval_requested_at < now() - make_interval(secs => (s.block ->> 'timeoutSeconds')::integer)
        """;

    private sealed class Row
    {
        public Guid RunId { get; set; }
        public Guid ParentRunId { get; set; }
        public string Key { get; set; } = "";
        public string JobName { get; set; } = "";
        public int Number { get; set; }
        public int TimeoutSeconds { get; set; }
    }

    /// <summary>Waiting gates past their timeout, longest waiting first.</summary>
    public async Task<IReadOnlyList<OverdueGate>> FindAsync(int max, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT s.run_id, s.parent_run_id, s.key, r.job_name, r.number, (s.block ->> 'timeoutSeconds')::integer AS timeout_seconds
            FROM run_steps s JOIN runs r ON r.id = s.run_id
            WHERE {Overdue} AND r.status = @waiting
            ORDER BY s.approval_requested_at
            LIMIT @max
            """, new { waiting = RunStatusTransitions.DecidedFrom.Name(), max }, cancellationToken: ct));
        return rows.Select(r => new OverdueGate(r.RunId, r.ParentRunId, r.Key, r.JobName, r.Number, r.TimeoutSeconds)).ToList();
    }

    /// <summary>Ends the gate <c>timed_out</c>; false when it was decided, skipped or retried meanwhile (by a replica, a person, an abort).</summary>
    public async Task<bool> EndAsync(OverdueGate gate, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM runs WHERE id = @parentId FOR UPDATE", new { parentId = gate.ParentRunId }, tx, cancellationToken: ct));
        var ended = await connection.ExecuteAsync(new CommandDefinition($"""
            WITH decided AS (
                UPDATE run_steps s SET decision = @timedOutDecision, decided_by = @by, decided_at = now()
                FROM runs r
                WHERE s.run_id = @stepId AND r.id = s.run_id AND r.status = @waiting AND {Overdue}
                RETURNING s.run_id
            )
            UPDATE runs SET status = @timedOut, status_reason = @reason, started_at = now(), finished_at = now(), updated_at = now()
            WHERE id IN (SELECT run_id FROM decided);
            """, new
        {
            stepId = gate.StepId, by = DecidedBy, timedOutDecision = BlockDecision.TimedOut.Name(),
            waiting = RunStatusTransitions.DecidedFrom.Name(), timedOut = RunStatus.TimedOut.Name(),
            reason = $"Nobody approved or rejected it within its timeout of {gate.TimeoutSeconds} s.",
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return ended > 0;
    }
}
