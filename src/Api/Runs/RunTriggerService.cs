using Narwhal.Api.Metrics;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;

namespace Narwhal.Api.Runs;

/// <summary>
/// Stores a run with its outbox message, then publishes right after commit. A publish that
/// fails here is not the request's failure: the run is stored, the answer is 201, and the
/// outbox relay publishes it later.
/// </summary>
public sealed class RunTriggerService(RunStore runs, OutboxStore outbox, RunPublisher publisher, ApiMetrics metrics, ILogger<RunTriggerService> logger)
{
    public async Task<CreateRunResult> TriggerAsync(NewRun request, CancellationToken ct)
    {
        var result = await runs.CreateAsync(request, ct);
        await AfterCommitAsync(result);
        return result;
    }

    /// <summary>
    /// What follows the commit of a run created elsewhere in a transaction (a GitHub delivery): count it and publish
    /// its message. Never throws for a failed publish.
    /// </summary>
    public async Task AfterCommitAsync(CreateRunResult result)
    {
        if (result.Outcome == CreateRunOutcome.Created) metrics.RunTriggered(result.Run!);
        // A run held by its concurrency limit has no outbox row yet: the database announces it when it is released.
        if (result is { Outcome: CreateRunOutcome.Created, OutboxId: { } outboxId })
            await PublishNowAsync(outboxId, result.Run!.Id);
    }

    private async Task PublishNowAsync(long outboxId, Guid runId)
    {
        // Not the request's token: once committed, a client hanging up must not stop the publish.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var message = await outbox.GetUnpublishedAsync(outboxId, timeout.Token);
            if (message is null) return;
            await publisher.PublishAsync(message, timeout.Token);
            await outbox.MarkPublishedAsync(outboxId, timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Publishing run {RunId} right after commit failed; the outbox relay will publish it", runId);
        }
    }
}
