using Dapper;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Core.Logs;

/// <summary>
/// Live log chunks in Postgres. Each append is fenced by the attempt (a superseded Runner cannot
/// write into the run's log) and idempotent by offset (a retried append changes nothing), and
/// notifies followers on the <see cref="Channel"/> channel in the same transaction.
/// </summary>
public sealed class LogChunkStore(NpgsqlDataSource db)
{
    /// <summary>Payload "&lt;run id&gt;:&lt;end offset&gt;", or "&lt;run id&gt;:end" when the run's log is complete.</summary>
    public const string Channel = "narwhal_log";

    /// <returns>False when the attempt is no longer current (nothing was written).</returns>
    public async Task<bool> AppendAsync(Guid runId, Guid attemptId, int seq, long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var current = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE id = @runId AND attempt_id = @attemptId AND status = @running)",
            new { runId, attemptId, running = RunStatus.Running.Name() }, tx, cancellationToken: ct));
        if (!current) return false;
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO run_log_chunks (run_id, byte_offset, seq, data) VALUES (@runId, @offset, @seq, @data)
            ON CONFLICT (run_id, byte_offset) DO NOTHING
            """, new { runId, offset, seq, data = data.ToArray() }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify(@channel, @payload)",
            new { channel = Channel, payload = $"{runId}:{offset + data.Length}" }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Chunks covering bytes from <paramref name="from"/> on, in order, the first one cut to start exactly there.</summary>
    public async Task<IReadOnlyList<LogChunk>> ReadAsync(Guid runId, long from, int maxBytes, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(long ByteOffset, byte[] Data)>(new CommandDefinition("""
            SELECT byte_offset, data FROM run_log_chunks
            WHERE run_id = @runId AND byte_offset + length(data) > @from
            ORDER BY byte_offset
            LIMIT 64
            """, new { runId, from }, cancellationToken: ct));
        var chunks = new List<LogChunk>();
        var total = 0;
        foreach (var (offset, data) in rows)
        {
            var chunk = offset < from ? new LogChunk(from, data[(int)(from - offset)..]) : new LogChunk(offset, data);
            chunks.Add(chunk);
            total += chunk.Data.Length;
            if (total >= maxBytes) break;
        }
        return chunks;
    }

    /// <summary>Bytes that have arrived so far: the end of the last chunk.</summary>
    public async Task<long> SizeAsync(Guid runId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(max(byte_offset + length(data)), 0) FROM run_log_chunks WHERE run_id = @runId",
            new { runId }, cancellationToken: ct));
    }

    public async Task DeleteAsync(Guid runId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM run_log_chunks WHERE run_id = @runId", new { runId }, cancellationToken: ct));
    }

    /// <summary>Tells followers the run's log is complete (stored whole; chunks gone).</summary>
    public async Task NotifyEndAsync(Guid runId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify(@channel, @payload)",
            new { channel = Channel, payload = $"{runId}:end" }, cancellationToken: ct));
    }
}
