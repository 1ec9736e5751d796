using Dapper;
using Npgsql;

namespace Narwhal.Core.Outbox;

/// <summary>
/// The outbox table: messages written in the same transaction as their run, published after
/// commit. <see cref="RelayAsync"/> is the safety net that publishes whatever was left behind
/// (an Api that crashed between commit and publish, a broker that was down).
/// </summary>
public sealed class OutboxStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Postgres channel on which the database announces outbox rows no request will publish itself
    /// (a run released from its concurrency hold, migrations/0007); the payload is the row's id.
    /// </summary>
    public const string Channel = "narwhal_outbox";

    public const string InsertSql = """
        INSERT INTO outbox (run_id, queue, message_type, payload)
        VALUES (@RunId, @Queue, @MessageType, @Payload::jsonb)
        RETURNING id
        """;

    private const string SelectColumns = """
        SELECT id AS "Id", run_id AS "RunId", queue AS "Queue", message_type AS "MessageType", payload::text AS "Payload"
        """;

    public async Task<OutboxMessage?> GetUnpublishedAsync(long id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<OutboxMessage>(new CommandDefinition(
            $"{SelectColumns} FROM outbox WHERE id = @id AND published_at IS NULL",
            new { id }, cancellationToken: ct));
    }

    public async Task MarkPublishedAsync(long id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = @id AND published_at IS NULL",
            new { id }, cancellationToken: ct));
    }

    public async Task<int> CountUnpublishedAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL", cancellationToken: ct));
    }

    /// <summary>
    /// Publishes one batch of messages older than <paramref name="minAge"/> that are still
    /// unpublished. Rows are locked with SKIP LOCKED, so several Api replicas relay in parallel
    /// without publishing a row twice at the same time. (A row can still be published twice
    /// across a crash; the Runner's claim makes a duplicate message harmless.)
    /// </summary>
    /// <returns>How many messages were published.</returns>
    public async Task<int> RelayAsync(Func<OutboxMessage, CancellationToken, Task> publish, TimeSpan minAge, int batchSize,
        Action<OutboxMessage, Exception> onFailure, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var batch = (await connection.QueryAsync<OutboxMessage>(new CommandDefinition($"""
            {SelectColumns}
            FROM outbox
            WHERE published_at IS NULL AND created_at < now() - make_interval(secs => @minAge)
            ORDER BY id
            LIMIT @batchSize
            FOR UPDATE SKIP LOCKED
            """, new { minAge = minAge.TotalSeconds, batchSize }, tx, cancellationToken: ct))).ToList();
        return await PublishLockedAsync(connection, tx, batch, publish, onFailure, ct);
    }

    /// <summary>
    /// Publishes the announced rows (<see cref="Channel"/>) that are still unpublished, whatever their age.
    /// Another Api replica that got the same announcement skips the rows this one has locked, and finds them
    /// published afterwards.
    /// </summary>
    /// <returns>How many messages were published.</returns>
    public async Task<int> RelayAnnouncedAsync(IReadOnlyCollection<long> ids, Func<OutboxMessage, CancellationToken, Task> publish,
        Action<OutboxMessage, Exception> onFailure, CancellationToken ct)
    {
        if (ids.Count == 0) return 0;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var batch = (await connection.QueryAsync<OutboxMessage>(new CommandDefinition($"""
            {SelectColumns}
            FROM outbox
            WHERE id = ANY(@ids) AND published_at IS NULL
            ORDER BY id
            FOR UPDATE SKIP LOCKED
            """, new { ids = ids.ToArray() }, tx, cancellationToken: ct))).ToList();
        return await PublishLockedAsync(connection, tx, batch, publish, onFailure, ct);
    }

    /// <summary>Publishes rows locked by <paramref name="tx"/> in order, records each outcome, commits.</summary>
    private static async Task<int> PublishLockedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<OutboxMessage> batch,
        Func<OutboxMessage, CancellationToken, Task> publish, Action<OutboxMessage, Exception> onFailure, CancellationToken ct)
    {
        var published = 0;
        foreach (var message in batch)
        {
            try
            {
                await publish(message, ct);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = @Id",
                    message, tx, cancellationToken: ct));
                published++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                onFailure(message, ex);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = @error WHERE id = @Id",
                    new { message.Id, error = $"{ex.GetType().Name}: {ex.Message}" }, tx, cancellationToken: ct));
            }
        }
        await tx.CommitAsync(ct);
        return published;
    }
}
