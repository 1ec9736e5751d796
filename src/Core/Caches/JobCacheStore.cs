using Dapper;
using Npgsql;

namespace Narwhal.Core.Caches;

/// <summary>
/// The index of the step caches of each job (<c>job_caches</c>): the Runner looks keys up, records saves
/// and evicts beyond a budget; the Api lists and clears them. The tars themselves are in the object store,
/// and removing them is the caller's part: rows first, then objects, so a row never names a deleted object
/// for longer than a restore can cope with (a missing object is a miss).
/// </summary>
public sealed class JobCacheStore(NpgsqlDataSource db)
{
    private const string Columns = "key, object_key, size_bytes, created_at, last_used_at";

    /// <summary>The entry for the key, marked used now; null when there is none.</summary>
    public async Task<JobCache?> UseAsync(Guid jobId, string key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            UPDATE job_caches SET last_used_at = now() WHERE job_id = @jobId AND key = @key
            RETURNING {Columns}
            """, new { jobId, key }, cancellationToken: ct));
        return rows.Select(r => r.ToCache()).SingleOrDefault();
    }

    /// <summary>Whether the key has an entry (a save skips a key another run saved meanwhile).</summary>
    public async Task<bool> ExistsAsync(Guid jobId, string key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM job_caches WHERE job_id = @jobId AND key = @key)", new { jobId, key }, cancellationToken: ct));
    }

    /// <summary>
    /// Records an uploaded tar under the key unless the key has an entry already (insert if absent).
    /// False when another save won: the caller's object is then its own to delete.
    /// </summary>
    public async Task<bool> AddAsync(Guid jobId, string key, string objectKey, long sizeBytes, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO job_caches (job_id, key, object_key, size_bytes) VALUES (@jobId, @key, @objectKey, @sizeBytes)
            ON CONFLICT (job_id, key) DO NOTHING
            """, new { jobId, key, objectKey, sizeBytes }, cancellationToken: ct)) == 1;
    }

    /// <summary>Removes the entry if it still names <paramref name="objectKey"/> (a newer save of the key stays).</summary>
    public async Task<bool> RemoveAsync(Guid jobId, string key, string objectKey, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM job_caches WHERE job_id = @jobId AND key = @key AND object_key = @objectKey",
            new { jobId, key, objectKey }, cancellationToken: ct)) == 1;
    }

    /// <summary>
    /// Deletes the job's least recently used entries until the rest total at most <paramref name="budgetBytes"/>,
    /// in one statement (two Runners evicting at once delete each row once). Returns the deleted entries.
    /// </summary>
    public async Task<IReadOnlyList<JobCache>> EvictAsync(Guid jobId, long budgetBytes, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            WITH ranked AS (
                SELECT key, sum(size_bytes) OVER (ORDER BY last_used_at DESC, created_at DESC, key) AS kept
                FROM job_caches WHERE job_id = @jobId
            )
            DELETE FROM job_caches c USING ranked r
            WHERE c.job_id = @jobId AND c.key = r.key AND r.kept > @budgetBytes
            RETURNING c.key, c.object_key, c.size_bytes, c.created_at, c.last_used_at
            """, new { jobId, budgetBytes }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToCache())];
    }

    /// <summary>The job's entries, most recently used first.</summary>
    public async Task<IReadOnlyList<JobCache>> ListAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM job_caches WHERE job_id = @jobId ORDER BY last_used_at DESC, key",
            new { jobId }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToCache())];
    }

    /// <summary>Deletes every entry of the job; returns them, for their objects to be removed.</summary>
    public async Task<IReadOnlyList<JobCache>> ClearAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"DELETE FROM job_caches WHERE job_id = @jobId RETURNING {Columns}", new { jobId }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToCache())];
    }

    /// <summary>A row in column order (<see cref="Columns"/>); timestamptz comes as UTC.</summary>
    private sealed record Row(string Key, string ObjectKey, long SizeBytes, DateTime CreatedAt, DateTime LastUsedAt)
    {
        public JobCache ToCache() => new(Key, ObjectKey, SizeBytes, Utc(CreatedAt), Utc(LastUsedAt));

        private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
    }
}
