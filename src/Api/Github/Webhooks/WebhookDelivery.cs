namespace Narwhal.Api.Github.Webhooks;

/// <summary>A signed delivery, parsed: its id (X-GitHub-Delivery), event (X-GitHub-Event) and payload.</summary>
public sealed record WebhookDelivery(string Id, string Event, WebhookPayload Payload)
{
    public string? Action => Payload.Action;

    /// <summary>owner/name of the repository the webhook belongs to (null for events without one, e.g. an organisation ping).</summary>
    public string? Repository => Payload.Repository?.FullName;
}
