using Dapper;
using Narwhal.Contracts;
using Npgsql;

namespace Narwhal.Core.Fleet;

/// <summary>
/// The runner registry (<c>runners</c>), kept by the Dispatcher from heartbeats. A Runner was last
/// seen when its latest heartbeat was sent, not when the Dispatcher read it: a backlog of queued
/// heartbeats read after a Dispatcher restart must not make a dead Runner look alive. Runners send
/// that time on the database's clock (they measure their offset from it); it is never later than now().
/// </summary>
public sealed class RunnerStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Records a heartbeat: a new row, or the row refreshed (state from the heartbeat, offline
    /// cleared, last_seen_at = its send time, at most now()). A heartbeat older than the stored one is ignored: lower
    /// sequence AND not sent later. A restarted Runner starts its sequence again at 1, but sends
    /// later, so it is taken (the sent time orders only one Runner's own messages).
    /// </summary>
    public async Task<HeartbeatOutcome> UpsertHeartbeatAsync(RunnerHeartbeat heartbeat, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(heartbeat.RunnerId);
        await using var connection = await db.OpenConnectionAsync(ct);
        var result = await connection.QuerySingleOrDefaultAsync<(bool Inserted, string? Before)>(new CommandDefinition($"""
            WITH before AS (SELECT state FROM runners WHERE id = @RunnerId)
            INSERT INTO runners AS r (id, host, version, classes, slots, running_run_ids, cpu_percent, memory_used_bytes,
                memory_total_bytes, quota_cpu_total, quota_cpu_free, quota_memory_total, quota_memory_free, paused_reason,
                state, heartbeat_sequence, heartbeat_sent_at, first_seen_at, last_seen_at, offline_at)
            VALUES (@RunnerId, @Host, @Version, @classes, @Slots, @runningRunIds, @CpuPercent, @MemoryUsedBytes,
                @MemoryTotalBytes, @cpuTotal, @cpuFree, @memoryTotal, @memoryFree, @Paused,
                @state, @Sequence, @SentAt, now(), LEAST(now(), @SentAt), NULL)
            ON CONFLICT (id) DO UPDATE SET
                host = excluded.host, version = excluded.version, classes = excluded.classes, slots = excluded.slots,
                running_run_ids = excluded.running_run_ids, cpu_percent = excluded.cpu_percent,
                memory_used_bytes = excluded.memory_used_bytes, memory_total_bytes = excluded.memory_total_bytes,
                quota_cpu_total = excluded.quota_cpu_total, quota_cpu_free = excluded.quota_cpu_free,
                quota_memory_total = excluded.quota_memory_total, quota_memory_free = excluded.quota_memory_free,
                paused_reason = excluded.paused_reason, state = excluded.state,
                heartbeat_sequence = excluded.heartbeat_sequence, heartbeat_sent_at = excluded.heartbeat_sent_at,
                -- A sequence that did not grow is a new process of this Runner.
                process_started_at = CASE WHEN excluded.heartbeat_sequence <= r.heartbeat_sequence THEN now() ELSE r.process_started_at END,
                last_seen_at = LEAST(now(), excluded.heartbeat_sent_at), offline_at = NULL
            WHERE excluded.heartbeat_sequence > r.heartbeat_sequence
               OR r.heartbeat_sent_at IS NULL
               OR excluded.heartbeat_sent_at > r.heartbeat_sent_at
            RETURNING (SELECT count(*) = 0 FROM before) AS inserted, (SELECT state FROM before) AS before
            """, new
        {
            heartbeat.RunnerId, heartbeat.Host, heartbeat.Version, classes = heartbeat.Classes.ToArray(), heartbeat.Slots,
            runningRunIds = heartbeat.RunningRunIds.ToArray(), heartbeat.CpuPercent, heartbeat.MemoryUsedBytes,
            heartbeat.MemoryTotalBytes, cpuTotal = heartbeat.Quota.CpuTotal, cpuFree = heartbeat.Quota.CpuFree,
            memoryTotal = heartbeat.Quota.MemoryTotal, memoryFree = heartbeat.Quota.MemoryFree, heartbeat.Paused,
            state = (heartbeat.Draining ? RunnerState.Draining : RunnerState.Online).Name(),
            heartbeat.Sequence, SentAt = heartbeat.SentAt.UtcDateTime,
        }, cancellationToken: ct));
        return result switch
        {
            (false, null) => HeartbeatOutcome.Stale, // no row returned: the update's WHERE refused it
            (true, _) => HeartbeatOutcome.Registered,
            (_, var before) when before == RunnerState.Offline.Name() => HeartbeatOutcome.Returned,
            _ => HeartbeatOutcome.Recorded,
        };
    }

    /// <summary>Every Runner ever seen, by id.</summary>
    public async Task<IReadOnlyList<RunnerInfo>> ListAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<RunnerRow>(new CommandDefinition(
            $"SELECT {RunnerRow.Columns} FROM runners ORDER BY id", cancellationToken: ct));
        return rows.Select(r => r.ToInfo()).ToList();
    }

    public async Task<RunnerInfo?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RunnerRow>(new CommandDefinition(
            $"SELECT {RunnerRow.Columns} FROM runners WHERE id = @id", new { id }, cancellationToken: ct));
        return row?.ToInfo();
    }

    /// <summary>
    /// Records a drain request (the first requester and time are kept when asked again); the
    /// Runner finds it at its next heartbeat tick. False when no Runner has this id.
    /// </summary>
    public async Task<bool> RequestDrainAsync(string id, string requestedBy, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE runners SET
                -- A request made for the current process stays (the first requester and time win);
                -- one left from an earlier process (drained, restarted) is replaced.
                drain_requested_at = CASE WHEN drain_requested_at >= process_started_at THEN drain_requested_at ELSE now() END,
                drain_requested_by = CASE WHEN drain_requested_at >= process_started_at THEN drain_requested_by ELSE @requestedBy END
            WHERE id = @id
            """, new { id, requestedBy }, cancellationToken: ct)) > 0;
    }

    /// <summary>
    /// Marks offline every Runner not heard from for longer than <paramref name="timeout"/> (by the
    /// database's clock) and returns them as they are now. A Runner already offline is not returned
    /// again, so two Dispatcher replicas never both report the same one.
    /// </summary>
    public async Task<IReadOnlyList<RunnerInfo>> MarkSilentOfflineAsync(TimeSpan timeout, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<RunnerRow>(new CommandDefinition($"""
            UPDATE runners SET state = @offline, offline_at = now()
            WHERE state <> @offline AND last_seen_at < now() - make_interval(secs => @seconds)
            RETURNING {RunnerRow.Columns}
            """, new { offline = RunnerState.Offline.Name(), seconds = timeout.TotalSeconds }, cancellationToken: ct));
        return rows.Select(r => r.ToInfo()).ToList();
    }
}
