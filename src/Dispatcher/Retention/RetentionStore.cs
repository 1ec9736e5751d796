using Dapper;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Dispatcher.Retention;

/// <summary>Finds finished runs whose stored results are past retention, and records their expiry.</summary>
public sealed class RetentionStore(NpgsqlDataSource db)
{
    private static readonly string[] Active = Enum.GetValues<RunStatus>().Where(s => s.IsActive()).Select(s => s.Name()).ToArray();

    /// <summary>
    /// Finished, not yet expired runs that ended more than <paramref name="maxAge"/> ago, or that are
    /// beyond the newest <paramref name="keepPerJob"/> finished runs of their job (0 = no count limit);
    /// with them, the steps of those that are pipelines (each step keeps its own log and results), and
    /// steps left behind by an earlier pass that expired their run but not all of them.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> DueAsync(TimeSpan? maxAge, int keepPerJob, int limit, CancellationToken ct)
    {
        if (maxAge is null && keepPerJob <= 0) return [];
        await using var connection = await db.OpenConnectionAsync(ct);
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition("""
            WITH ranked AS (
                SELECT id, finished_at,
                       row_number() OVER (PARTITION BY job_id ORDER BY created_at DESC, id DESC) AS newest
                FROM runs
                WHERE parent_run_id IS NULL AND status <> ALL(@active) AND results_expired_at IS NULL
            ), due AS (
                SELECT id FROM ranked
                WHERE (@maxAgeSeconds::double precision IS NOT NULL AND finished_at < now() - make_interval(secs => @maxAgeSeconds))
                   OR (@keepPerJob > 0 AND newest > @keepPerJob)
                LIMIT @limit
            )
            SELECT id FROM due
            UNION ALL
            SELECT s.id FROM runs s JOIN runs p ON p.id = s.parent_run_id
            WHERE s.results_expired_at IS NULL AND s.status <> ALL(@active)
              AND (p.id IN (SELECT id FROM due) OR p.results_expired_at IS NOT NULL)
            """, new { active = Active, maxAgeSeconds = maxAge?.TotalSeconds, keepPerJob, limit }, cancellationToken: ct));
        return ids.ToList();
    }

    /// <summary>After the objects are deleted: the rows that pointed at them go, and the run says when.</summary>
    public async Task MarkExpiredAsync(Guid runId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM run_files WHERE run_id = @runId", new { runId }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM run_log_chunks WHERE run_id = @runId", new { runId }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE runs SET results_expired_at = now(), log_key = NULL, junit_summary_key = NULL, updated_at = now()
            WHERE id = @runId
            """, new { runId }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <returns>How many published outbox rows older than <paramref name="age"/> were deleted.</returns>
    public async Task<int> PruneOutboxAsync(TimeSpan age, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => @seconds)",
            new { seconds = age.TotalSeconds }, cancellationToken: ct));
    }

    /// <summary>GitHub deliveries received longer ago than <paramref name="age"/>: the record of what a webhook did, not the runs.</summary>
    public async Task<int> PruneGithubDeliveriesAsync(TimeSpan age, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM github_deliveries WHERE received_at < now() - make_interval(secs => @seconds)",
            new { seconds = age.TotalSeconds }, cancellationToken: ct));
    }
}
