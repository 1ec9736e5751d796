using Narwhal.Api.Runs;

namespace Narwhal.Api.Github.Webhooks;

/// <summary>
/// What a delivery should do, decided before anything is written (<see cref="DeliveryPlanner"/>): the runs to queue,
/// the superseded runs to abort, and the outcome and reason to record. <see cref="GithubDeliveryStore.RecordAsync"/>
/// carries it out in one transaction.
/// </summary>
public sealed record DeliveryPlan
{
    public required string DeliveryId { get; init; }
    public required string Event { get; init; }
    public string? Action { get; init; }
    public string? Repository { get; init; }
    public required DeliveryOutcome Outcome { get; init; }
    public string? Reason { get; init; }

    /// <summary>False for an event Narwhal does not handle (the answer is 202 instead of 200).</summary>
    public bool Handled { get; init; } = true;

    public IReadOnlyList<NewRun> Runs { get; init; } = [];
    public SupersedeRequest? Supersede { get; init; }

    /// <summary>Stored text stays bounded whatever a payload holds.</summary>
    public const int MaxTextLength = 200;

    public static DeliveryPlan Ignored(WebhookDelivery delivery, string reason, bool handled = true) => new()
    {
        DeliveryId = delivery.Id, Event = delivery.Event, Action = Bounded(delivery.Action), Repository = Bounded(delivery.Repository),
        Outcome = DeliveryOutcome.Ignored, Reason = reason, Handled = handled,
    };

    public static DeliveryPlan Rejected(string deliveryId, string @event, string reason) => new()
    {
        DeliveryId = deliveryId, Event = Bounded(@event)!, Outcome = DeliveryOutcome.Rejected, Reason = Bounded(reason, 1000),
    };

    public static string? Bounded(string? text, int max = MaxTextLength) =>
        text is null || text.Length <= max ? text : text[..max];
}

/// <summary>
/// Abort the queued or running runs of <paramref name="JobIds"/> that pull request <paramref name="PullRequest"/> of
/// <paramref name="Repository"/> triggered for another commit than <paramref name="HeadSha"/>.
/// </summary>
public sealed record SupersedeRequest(IReadOnlyList<Guid> JobIds, string Repository, int PullRequest, string HeadSha, string RequestedBy);
