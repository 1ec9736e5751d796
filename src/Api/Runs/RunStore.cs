using Dapper;
using Narwhal.Api.Errors;
using Narwhal.Contracts;
using Narwhal.Core.Jobs;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Api.Runs;

/// <summary>Runs as the Api sees them: created with their outbox message, read, listed.</summary>
public sealed class RunStore(NpgsqlDataSource db, TimeProvider clock)
{
    private const string IdempotencyIndex = "runs_idempotency_key";

    /// <summary>
    /// Stores the run and its ExecuteRun outbox message in one transaction: either both exist
    /// or neither does, so nothing is ever published for a run that was not stored. A run of a job
    /// with <see cref="JobSpec.MaxConcurrent"/> joins its key's line held and is released at once
    /// when the key has room (<c>narwhal_release_held</c>, migrations/0007); otherwise it stays
    /// queued and held, with no outbox row, until a run of its key ends.
    /// </summary>
    public async Task<CreateRunResult> CreateAsync(NewRun request, CancellationToken ct)
    {
        if (request.IdempotencyKey is { } key && await FindByKeyAsync(request.JobId, key, ct) is { } earlier)
            return Replay(earlier, request);

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            var result = await CreateInAsync(connection, tx, request, ct);
            if (result.Outcome == CreateRunOutcome.Created) await tx.CommitAsync(ct);
            return result;
        }
        catch (PostgresException ex) when (PostgresErrors.IsUniqueViolation(ex, IdempotencyIndex))
        {
            // A concurrent request with the same key won the race: answer as its replay.
            await tx.RollbackAsync(CancellationToken.None);
            var winner = await FindByKeyAsync(request.JobId, request.IdempotencyKey!, ct)
                ?? throw new InvalidOperationException("Idempotency key conflict without a stored run.", ex);
            return Replay(winner, request);
        }
    }

    /// <summary>
    /// <see cref="CreateAsync"/>'s work inside the caller's transaction, which commits (a GitHub delivery queues the
    /// runs of several jobs and records itself all at once). Callers lock jobs in id order, as the row locks taken
    /// here would otherwise let two such transactions deadlock.
    /// </summary>
    internal async Task<CreateRunResult> CreateInAsync(NpgsqlConnection connection, NpgsqlTransaction tx, NewRun request, CancellationToken ct)
    {
        // Row lock on the job: numbers are gap-free and strictly increasing per job, and a
        // concurrent DELETE /jobs waits for this run to exist (and then refuses). The spec is
        // read under the same lock: the limit is the one of the job as it is now.
        var locked = await connection.QuerySingleOrDefaultAsync<LockedJob>(new CommandDefinition("""
            UPDATE jobs SET next_run_number = next_run_number + 1
            WHERE id = @JobId AND deleted_at IS NULL
            RETURNING next_run_number - 1 AS number, spec::text AS spec
            """, request, tx, cancellationToken: ct));
        if (locked is null) return new CreateRunResult(CreateRunOutcome.JobGone, null, null);

        var concurrencyKey = ConcurrencyKey.Of(request.JobName, Json.Deserialize<JobSpec>(locked.Spec));
        // Taken before the insert and held to commit, with created_at read after it: the runs of
        // one key line up in the order their triggers took the lock (which is number order per job).
        if (concurrencyKey is not null)
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT narwhal_lock_concurrency(@concurrencyKey)", new { concurrencyKey }, tx, cancellationToken: ct));

        var id = Guid.CreateVersion7();
        var row = await connection.QuerySingleAsync<RunRow>(new CommandDefinition($"""
            INSERT INTO runs (id, job_id, job_name, number, status, resource_class, commit_sha, branch,
                              parameters, trigger, rerun_of, idempotency_key, request_hash, concurrency_key, held,
                              created_at, updated_at)
            SELECT @id, @JobId, @JobName, @number, @status, @ResourceClass, @CommitSha, @Branch,
                   @parameters::jsonb, @trigger::jsonb, @RerunOf, @IdempotencyKey, @RequestHash, @concurrencyKey, @held,
                   ts.now, ts.now
            FROM (SELECT clock_timestamp() AS now) ts
            RETURNING {RunRow.Columns}
            """, new
        {
            id, request.JobId, request.JobName, number = locked.Number, status = RunStatus.Queued.Name(), request.ResourceClass,
            request.CommitSha, request.Branch, parameters = Json.Serialize(request.Parameters),
            trigger = Json.Serialize(request.Trigger), request.RerunOf, request.IdempotencyKey, request.RequestHash,
            concurrencyKey, held = concurrencyKey is not null,
        }, tx, cancellationToken: ct));
        var run = row.ToRun();

        var outboxId = concurrencyKey is null
            ? await InsertOutboxAsync(connection, tx, run, ct)
            : await ReleaseHeldAsync(connection, tx, concurrencyKey, run.Id, ct);
        if (concurrencyKey is not null && outboxId is not null) run = run with { Held = false };
        return new CreateRunResult(CreateRunOutcome.Created, run, outboxId);
    }

    private sealed class LockedJob
    {
        public int Number { get; set; }
        public string Spec { get; set; } = "{}";
    }

    private async Task<long> InsertOutboxAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Run run, CancellationToken ct)
    {
        var message = new ExecuteRun
        {
            RunId = run.Id, JobName = run.JobName, RunNumber = run.Number,
            ResourceClass = run.ResourceClass, EnqueuedAt = clock.GetUtcNow(),
        };
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(OutboxStore.InsertSql, new
        {
            RunId = run.Id, Queue = RunQueues.QueueName(run.ResourceClass),
            MessageType = nameof(ExecuteRun), Payload = Json.Serialize(message),
        }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// Lets the key's line move (the new run is at its end): returns the new run's outbox id when it
    /// was released, null when it waits. Others released on the way (the head's job raised its limit,
    /// say) are announced to the outbox relay by the database.
    /// </summary>
    private static async Task<long?> ReleaseHeldAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string concurrencyKey, Guid runId, CancellationToken ct)
    {
        var released = await connection.QueryAsync<(Guid RunId, long OutboxId)>(new CommandDefinition(
            "SELECT released_run_id, released_outbox_id FROM narwhal_release_held(@concurrencyKey, @runId)",
            new { concurrencyKey, runId }, tx, cancellationToken: ct));
        return released.Where(r => r.RunId == runId).Select(r => (long?)r.OutboxId).SingleOrDefault();
    }

    private static CreateRunResult Replay(Run earlier, NewRun request) =>
        earlier.RequestHash == request.RequestHash
            ? new CreateRunResult(CreateRunOutcome.Replayed, earlier, null)
            : new CreateRunResult(CreateRunOutcome.KeyConflict, earlier, null);

    private async Task<Run?> FindByKeyAsync(Guid jobId, string key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE job_id = @jobId AND idempotency_key = @key",
            new { jobId, key }, cancellationToken: ct));
        return row?.ToRun();
    }

    /// <summary>
    /// A queued run becomes aborted at once; a running run is marked and its Runner stops it; a pipeline's steps are
    /// aborted, skipped or marked (<see cref="RunAborts.RequestInAsync"/>).
    /// </summary>
    public async Task<AbortResult> RequestAbortAsync(Guid id, string requestedBy, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var result = await RunAborts.RequestInAsync(connection, tx, id, requestedBy, $"Aborted by {requestedBy} before it started.", ct);
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>Any runs row by id, a pipeline's step included (the console stream follows either).</summary>
    public async Task<Run?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = @id", new { id }, cancellationToken: ct));
        return row?.ToRun();
    }

    /// <summary>A run by id, null for a pipeline's step (steps are addressed through their run).</summary>
    public async Task<Run?> GetTopLevelAsync(Guid id, CancellationToken ct) =>
        await GetAsync(id, ct) is { ParentRunId: null } run ? run : null;

    /// <summary>The runs rows with these ids that exist (steps included), in no particular order.</summary>
    public async Task<IReadOnlyList<Run>> GetManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = ANY(@ids)", new { ids = ids.ToArray() }, cancellationToken: ct));
        return rows.Select(r => r.ToRun()).ToList();
    }

    public async Task<Run?> GetByNumberAsync(string jobName, int number, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition($"""
            SELECT {RunRow.Columns} FROM runs
            WHERE job_id = (SELECT id FROM jobs WHERE name = @jobName) AND number = @number AND parent_run_id IS NULL
            """, new { jobName, number }, cancellationToken: ct));
        return row?.ToRun();
    }

    /// <summary>Top-level runs newest first, keyset-paged on (created_at, id); a pipeline's steps are not listed.</summary>
    public async Task<Page<Run>> ListAsync(RunFilter filter, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<RunRow>(new CommandDefinition($"""
            SELECT {RunRow.Columns} FROM runs
            WHERE parent_run_id IS NULL
              AND (@jobId::uuid IS NULL OR job_id = @jobId)
              AND (@status::text IS NULL OR status = @status)
              AND (@branch::text IS NULL OR branch = @branch)
              AND (@afterCreated::timestamptz IS NULL OR (created_at, id) < (@afterCreated, @afterId))
            ORDER BY created_at DESC, id DESC
            LIMIT @take
            """, new
        {
            jobId = filter.JobName is null ? (Guid?)null : await JobIdAsync(connection, filter.JobName, ct) ?? Guid.Empty,
            status = filter.Status?.Name(),
            branch = filter.Branch,
            afterCreated = filter.After?.CreatedAt.UtcDateTime,
            afterId = filter.After?.Id,
            take = filter.Limit + 1,
        }, cancellationToken: ct))).ToList();

        var items = rows.Take(filter.Limit).Select(r => r.ToRun()).ToList();
        var next = rows.Count > filter.Limit ? new RunCursor(items[^1].CreatedAt, items[^1].Id).Encode() : null;
        return new Page<Run>(items, next);
    }

    private static Task<Guid?> JobIdAsync(NpgsqlConnection connection, string name, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM jobs WHERE name = @name", new { name }, cancellationToken: ct));
}
