using Dapper;
using Narwhal.Api.Runs;
using Narwhal.Core.Resilience;
using Npgsql;
using Polly;

namespace Narwhal.Api.Github.Webhooks;

/// <summary>
/// The delivery record (migrations/0008) and the one transaction that carries out a <see cref="DeliveryPlan"/>:
/// the delivery row first (its key makes a redelivery, even a concurrent one, a duplicate that writes nothing), then
/// the aborts of superseded runs, then the new runs with their outbox rows, then the outcome. A crash at any point
/// leaves either all of it or none, so GitHub's redelivery can never half-trigger.
/// </summary>
public sealed class GithubDeliveryStore(NpgsqlDataSource db, RunStore runs, ILogger<GithubDeliveryStore> logger)
{
    private const string Columns = """
        id, event, action, repository, outcome, reason, run_ids, superseded_run_ids, received_at
        """;

    /// <summary>
    /// A transient failure (a deadlock between deliveries that lock jobs of one concurrency group in another order, a
    /// dropped connection) replays the whole transaction: nothing of it was committed, or, if the commit itself was
    /// lost on the way back, the replay finds the delivery recorded and answers it as a duplicate.
    /// </summary>
    private readonly ResiliencePipeline _retry = NarwhalResilience.CreateRetryPipeline("github-delivery", logger, maxRetries: 2,
        baseDelay: TimeSpan.FromMilliseconds(50));

    public async Task<DeliveryRecordResult> RecordAsync(DeliveryPlan plan, CancellationToken ct) =>
        await _retry.ExecuteAsync(async token => await RecordOnceAsync(plan, token), ct);

    private async Task<DeliveryRecordResult> RecordOnceAsync(DeliveryPlan plan, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // A rejected delivery is not remembered as done: its redelivery is processed afresh.
        var fresh = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
            INSERT INTO github_deliveries (id, event, action, repository, outcome, reason)
            VALUES (@DeliveryId, @Event, @Action, @Repository, @outcome, @Reason)
            ON CONFLICT (id) DO UPDATE SET event = excluded.event, action = excluded.action, repository = excluded.repository,
                outcome = excluded.outcome, reason = excluded.reason, run_ids = '{}', superseded_run_ids = '{}', received_at = now()
            WHERE github_deliveries.outcome = @rejected
            RETURNING id
            """, new
        {
            plan.DeliveryId, plan.Event, plan.Action, plan.Repository, outcome = plan.Outcome.Name(), plan.Reason,
            rejected = DeliveryOutcome.Rejected.Name()
        }, tx, cancellationToken: ct));
        if (fresh is null)
        {
            var original = await GetAsync(connection, tx, plan.DeliveryId, ct)
                ?? throw new InvalidOperationException($"Delivery {plan.DeliveryId} conflicted but is not stored.");
            await tx.RollbackAsync(ct);
            return new DeliveryRecordResult(original, Duplicate: true, [], []);
        }

        // Aborts first: a superseded run that holds a concurrency slot frees it for the new run of the same transaction.
        var superseded = new List<AbortResult>();
        if (plan.Supersede is { } supersede)
        {
            var ids = await RunAborts.FindSupersededAsync(connection, tx, supersede.JobIds, supersede.Repository, supersede.PullRequest, supersede.HeadSha, ct);
            foreach (var id in ids)
            {
                var result = await RunAborts.RequestInAsync(connection, tx, id, supersede.RequestedBy, $"Aborted: {supersede.RequestedBy}.", ct);
                if (result.Outcome is AbortOutcome.Aborted or AbortOutcome.Requested) superseded.Add(result);
            }
        }

        // Job row locks in id order, the same order in every delivery.
        var created = new List<CreateRunResult>();
        foreach (var run in plan.Runs.OrderBy(r => r.JobId))
        {
            var result = await runs.CreateInAsync(connection, tx, run, ct);
            if (result.Outcome == CreateRunOutcome.Created) created.Add(result);
        }

        var (outcome, reason) = plan.Outcome == DeliveryOutcome.Triggered && created.Count == 0
            ? (DeliveryOutcome.Ignored, "the jobs it would trigger were deleted meanwhile.")
            : (plan.Outcome, plan.Reason);
        var delivery = await connection.QuerySingleAsync<DeliveryRow>(new CommandDefinition($"""
            UPDATE github_deliveries SET outcome = @outcome, reason = @reason, run_ids = @runIds, superseded_run_ids = @supersededIds
            WHERE id = @id
            RETURNING {Columns}
            """, new
        {
            id = plan.DeliveryId, outcome = outcome.Name(), reason,
            runIds = created.Select(c => c.Run!.Id).ToArray(),
            supersededIds = superseded.Select(s => s.Run!.Id).ToArray(),
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new DeliveryRecordResult(delivery.ToDelivery(), Duplicate: false, created, superseded);
    }

    public async Task<GithubDelivery?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await GetAsync(connection, null, id, ct);
    }

    private static async Task<GithubDelivery?> GetAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string id, CancellationToken ct) =>
        (await connection.QuerySingleOrDefaultAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {Columns} FROM github_deliveries WHERE id = @id", new { id }, tx, cancellationToken: ct)))?.ToDelivery();

    /// <summary>Newest first, keyset-paged on (received_at, id).</summary>
    public async Task<Page<GithubDelivery>> ListAsync(DeliveryCursor? after, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition($"""
            SELECT {Columns} FROM github_deliveries
            WHERE @afterReceived::timestamptz IS NULL OR (received_at, id) < (@afterReceived, @afterId)
            ORDER BY received_at DESC, id DESC
            LIMIT @take
            """, new { afterReceived = after?.ReceivedAt.UtcDateTime, afterId = after?.Id, take = limit + 1 }, cancellationToken: ct))).ToList();

        var items = rows.Take(limit).Select(r => r.ToDelivery()).ToList();
        var next = rows.Count > limit ? new DeliveryCursor(items[^1].ReceivedAt, items[^1].Id).Encode() : null;
        return new Page<GithubDelivery>(items, next);
    }

    private sealed class DeliveryRow
    {
        public string Id { get; set; } = "";
        public string Event { get; set; } = "";
        public string? Action { get; set; }
        public string? Repository { get; set; }
        public string Outcome { get; set; } = "";
        public string? Reason { get; set; }
        public Guid[] RunIds { get; set; } = [];
        public Guid[] SupersededRunIds { get; set; } = [];
        public DateTime ReceivedAt { get; set; }

        public GithubDelivery ToDelivery() => new()
        {
            Id = Id, Event = Event, Action = Action, Repository = Repository,
            Outcome = DeliveryOutcomeNames.Parse(Outcome), Reason = Reason,
            RunIds = RunIds, SupersededRunIds = SupersededRunIds,
            ReceivedAt = new DateTimeOffset(DateTime.SpecifyKind(ReceivedAt, DateTimeKind.Utc)),
        };
    }
}
