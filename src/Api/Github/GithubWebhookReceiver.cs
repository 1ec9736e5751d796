using Narwhal.Api.Github.Webhooks;
using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Github;

/// <summary>
/// A signed delivery from GitHub, start to end inside the request: parse, plan against the repository's git jobs,
/// record it with its runs in one transaction, then publish the new runs and broadcast the aborts of superseded ones.
/// No git, Docker or GitHub call happens here; the answer comes as fast as one Postgres transaction.
/// </summary>
public sealed class GithubWebhookReceiver(
    ApiSettings settings,
    JobStore jobs,
    GithubDeliveryStore deliveries,
    RunTriggerService trigger,
    RunAbortNotifier aborts,
    ILogger<GithubWebhookReceiver> logger)
{
    private readonly WebhookSignature? _signature =
        settings.GithubWebhookSecrets.Count > 0 ? new WebhookSignature(settings.GithubWebhookSecrets) : null;

    /// <summary>False while NARWHAL_GITHUB_WEBHOOK_SECRET is unset: no delivery can be verified, so none is taken.</summary>
    public bool Configured => _signature is not null;

    /// <summary>The configured secrets, to check a delivery's signature while its body is read.</summary>
    public WebhookSignature Signature => _signature ?? throw new InvalidOperationException("GitHub webhooks are not configured.");

    public async Task<DeliveryAnswer> ReceiveAsync(string deliveryId, string @event, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        DeliveryPlan plan;
        try
        {
            var delivery = WebhookParser.Parse(deliveryId, @event, body);
            plan = DeliveryPlanner.WithoutJobs(delivery)
                   ?? DeliveryPlanner.Plan(delivery, await jobs.ListGitJobsMentioningAsync(delivery.Repository!, ct));
        }
        catch (WebhookPayloadException ex)
        {
            plan = DeliveryPlan.Rejected(deliveryId, @event, ex.Message);
        }
        return await RecordAsync(plan, ct);
    }

    /// <summary>Records a signed delivery refused before its payload was read (e.g. not sent as JSON).</summary>
    public Task<DeliveryAnswer> RejectAsync(string deliveryId, string @event, string reason, CancellationToken ct) =>
        RecordAsync(DeliveryPlan.Rejected(deliveryId, @event, reason), ct);

    private async Task<DeliveryAnswer> RecordAsync(DeliveryPlan plan, CancellationToken ct)
    {
        var result = await deliveries.RecordAsync(plan, ct);
        // Committed: from here on nothing depends on the client still listening.
        foreach (var created in result.Created) await trigger.AfterCommitAsync(created);
        foreach (var stop in result.Superseded.SelectMany(a => a.ToStop)) await aborts.NotifyAsync(stop);

        var delivery = result.Delivery;
        logger.LogInformation(
            "GitHub delivery {DeliveryId}: {Event} {Action} of {Repository} → {Outcome}{Duplicate}; runs [{RunIds}]; superseded [{SupersededRunIds}]; {Reason}",
            delivery.Id, delivery.Event, delivery.Action ?? "-", delivery.Repository ?? "-", delivery.Outcome.Name(),
            result.Duplicate ? " (duplicate, nothing done)" : "", string.Join(", ", delivery.RunIds), string.Join(", ", delivery.SupersededRunIds),
            delivery.Reason ?? "");
        return new DeliveryAnswer(result, plan.Handled);
    }
}
