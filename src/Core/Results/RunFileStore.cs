using Dapper;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Core.Results;

/// <summary>The files of a run (JUnit reports, artifacts). Written by the run's current attempt only.</summary>
public sealed class RunFileStore(NpgsqlDataSource db)
{
    private static string KindName(RunFileKind kind) => kind == RunFileKind.Junit ? "junit" : "artifact";

    /// <returns>False when the attempt is no longer current (nothing recorded).</returns>
    public async Task<bool> AddAsync(Guid runId, Guid attemptId, RunFile file, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO run_files (run_id, kind, path, size, content_type, object_key)
            SELECT @runId, @kind, @Path, @Size, @ContentType, @ObjectKey
            WHERE EXISTS (SELECT 1 FROM runs WHERE id = @runId AND attempt_id = @attemptId AND status = @running)
            ON CONFLICT (run_id, kind, path) DO UPDATE SET size = excluded.size, content_type = excluded.content_type, object_key = excluded.object_key
            """, new
        {
            runId, attemptId, kind = KindName(file.Kind), file.Path, file.Size, file.ContentType, file.ObjectKey,
            running = RunStatus.Running.Name()
        }, cancellationToken: ct)) == 1;
    }

    public async Task<bool> SetJunitSummaryAsync(Guid runId, Guid attemptId, string key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE runs SET junit_summary_key = @key WHERE id = @runId AND attempt_id = @attemptId AND status = @running",
            new { runId, attemptId, key, running = RunStatus.Running.Name() }, cancellationToken: ct)) == 1;
    }

    public async Task<IReadOnlyList<RunFile>> ListAsync(Guid runId, RunFileKind? kind, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Kind, string Path, long Size, string ContentType, string ObjectKey)>(new CommandDefinition("""
            SELECT kind, path, size, content_type, object_key FROM run_files
            WHERE run_id = @runId AND (@kind::text IS NULL OR kind = @kind)
            ORDER BY kind, path
            """, new { runId, kind = kind is { } k ? KindName(k) : null }, cancellationToken: ct));
        return rows.Select(r => new RunFile(r.Kind == "junit" ? RunFileKind.Junit : RunFileKind.Artifact, r.Path, r.Size, r.ContentType, r.ObjectKey)).ToList();
    }

    public async Task<string?> JunitSummaryKeyAsync(Guid runId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT junit_summary_key FROM runs WHERE id = @runId", new { runId }, cancellationToken: ct));
    }
}
