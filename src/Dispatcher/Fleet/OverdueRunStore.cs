using Dapper;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Dispatcher.Fleet;

/// <summary>A run the Dispatcher ended <c>timed_out</c> because it ran past the global maximum.</summary>
public sealed record OverdueRun(Guid RunId, Guid AttemptId, string JobName, int Number, string ResourceClass, string? RunnerId, DateTimeOffset StartedAt);

/// <summary>
/// The safety net behind the Runner's own timeout: runs still <c>running</c> long after the global
/// maximum duration (their Runner failed to end them) are ended <c>timed_out</c> here. A pipeline
/// run has no Runner: each of its steps is held to the maximum, the run ends when they do.
/// </summary>
public sealed class OverdueRunStore(NpgsqlDataSource db)
{
    private sealed class Row
    {
        public Guid Id { get; set; }
        public Guid AttemptId { get; set; }
        public string JobName { get; set; } = "";
        public int Number { get; set; }
        public string ResourceClass { get; set; } = "";
        public string? RunnerId { get; set; }
        public DateTime StartedAt { get; set; }
    }

    /// <summary>Running runs claimed more than <paramref name="limit"/> ago (database clock), oldest first.</summary>
    public async Task<IReadOnlyList<OverdueRun>> FindAsync(TimeSpan limit, int max, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT id, attempt_id, job_name, number, resource_class, runner_id, started_at FROM runs
            WHERE status = @running AND NOT pipeline AND started_at < now() - make_interval(secs => @seconds)
            ORDER BY started_at
            LIMIT @max
            """, new { running = RunStatus.Running.Name(), seconds = limit.TotalSeconds, max }, cancellationToken: ct));
        return rows.Select(r => new OverdueRun(r.Id, r.AttemptId, r.JobName, r.Number, r.ResourceClass, r.RunnerId,
            new DateTimeOffset(DateTime.SpecifyKind(r.StartedAt, DateTimeKind.Utc)))).ToList();
    }

    /// <summary>Ends the attempt <c>timed_out</c>; false when it is no longer the run's running attempt.</summary>
    public async Task<bool> EndAsync(OverdueRun run, string reason, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE runs SET status = @timedOut, status_reason = @reason, finished_at = now(), updated_at = now()
            WHERE id = @runId AND attempt_id = @attemptId AND status = @running
            """, new
        {
            runId = run.RunId, attemptId = run.AttemptId, reason,
            timedOut = RunStatus.TimedOut.Name(), running = RunStatus.Running.Name(),
        }, cancellationToken: ct)) > 0;
    }
}
