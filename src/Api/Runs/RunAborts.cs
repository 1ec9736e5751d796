using Dapper;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Api.Runs;

/// <summary>
/// Aborting runs inside a caller's transaction (an abort request, a GitHub delivery superseding runs). Only top-level
/// runs are aborted: a step ends with its run.
/// </summary>
internal static class RunAborts
{
    /// <summary>
    /// A queued run becomes aborted at once (its message, when it arrives, finds it no longer queued and is skipped).
    /// A running run is marked; its Runner stops it and reports aborted. A pipeline is aborted by the database
    /// (<c>narwhal_abort_pipeline</c>): its queued steps end at once, its waiting ones are skipped, its running ones
    /// are marked and returned in <see cref="AbortResult.ToStop"/>.
    /// </summary>
    public static async Task<AbortResult> RequestInAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid id, string requestedBy,
        string queuedReason, CancellationToken ct)
    {
        var aborted = await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition($"""
            UPDATE runs SET status = @aborted, status_reason = @reason, finished_at = now(), updated_at = now(),
                abort_requested_at = now(), abort_requested_by = @requestedBy
            WHERE id = @id AND parent_run_id IS NULL AND status = @queued
            RETURNING {RunRow.Columns}
            """, new
        {
            id, requestedBy, aborted = RunStatus.Aborted.Name(), queued = RunStatus.Queued.Name(),
            reason = queuedReason
        }, tx, cancellationToken: ct));
        if (aborted is not null) return new AbortResult(AbortOutcome.Aborted, aborted.ToRun());

        var run = (await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = @id AND parent_run_id IS NULL", new { id }, tx, cancellationToken: ct)))?.ToRun();
        if (run is null) return new AbortResult(AbortOutcome.NotFound, null);
        if (run.Pipeline) return await PipelineAsync(connection, tx, run, requestedBy, ct);

        var marked = await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition($"""
            UPDATE runs SET abort_requested_at = COALESCE(abort_requested_at, now()),
                abort_requested_by = COALESCE(abort_requested_by, @requestedBy), updated_at = now()
            WHERE id = @id AND status = @running
            RETURNING {RunRow.Columns}
            """, new { id, requestedBy, running = RunStatus.Running.Name() }, tx, cancellationToken: ct));
        return marked is not null
            ? new AbortResult(AbortOutcome.Requested, marked.ToRun())
            : new AbortResult(AbortOutcome.AlreadyEnded, run);
    }

    private static async Task<AbortResult> PipelineAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Run run, string requestedBy, CancellationToken ct)
    {
        if (run.Status.IsTerminal()) return new AbortResult(AbortOutcome.AlreadyEnded, run);
        var running = (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT narwhal_abort_pipeline(@id, @requestedBy)", new { id = run.Id, requestedBy }, tx, cancellationToken: ct))).ToArray();
        var after = (await connection.QuerySingleAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = @id", new { id = run.Id }, tx, cancellationToken: ct))).ToRun();
        var toStop = (await connection.QueryAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = ANY(@running)", new { running }, tx, cancellationToken: ct))).Select(r => r.ToRun()).ToList();
        var steps = await RunStepStore.CurrentInAsync(connection, tx, run.Id, ct);
        // Ended at once (nothing of it was running, or what ran ended meanwhile): as a queued run's abort answers.
        var outcome = after.Status.IsTerminal() ? AbortOutcome.Aborted : AbortOutcome.Requested;
        return new AbortResult(outcome, after, toStop, steps);
    }

    /// <summary>
    /// Queued or running top-level runs of these jobs that pull request <paramref name="pullRequest"/> of
    /// <paramref name="repository"/> (owner/name, any case) triggered through GitHub for another commit than
    /// <paramref name="headSha"/>, oldest first.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> FindSupersededAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        IReadOnlyCollection<Guid> jobIds, string repository, int pullRequest, string headSha, CancellationToken ct)
    {
        var kind = Json.Serialize(TriggerKind.Github).Trim('"');
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT id FROM runs
            WHERE job_id = ANY(@jobIds) AND parent_run_id IS NULL AND status = ANY(@active)
              AND trigger->>'kind' = @kind
              AND trigger->'github'->>'pullRequest' = @pullRequest::text
              AND lower(trigger->'github'->>'repository') = lower(@repository)
              AND commit_sha IS DISTINCT FROM @headSha
            ORDER BY created_at, id
            """, new
        {
            jobIds = jobIds.ToArray(), active = new[] { RunStatus.Queued.Name(), RunStatus.Running.Name() },
            kind, pullRequest, repository, headSha,
        }, tx, cancellationToken: ct));
        return ids.ToList();
    }
}
