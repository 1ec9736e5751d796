using Narwhal.Api.Github.Webhooks;

namespace Narwhal.Api.Dtos;

/// <summary>
/// A GitHub delivery as recorded: the answer of POST /hooks/github and an item of GET /hooks/github/deliveries.
/// <c>duplicate</c> is only in the POST answer: true when the delivery id had been received before (the original
/// outcome and runs are shown; nothing new happened).
/// </summary>
public sealed record GithubDeliveryDto
{
    public required string Id { get; init; }
    public required string Event { get; init; }
    public string? Action { get; init; }
    public string? Repository { get; init; }
    public required DeliveryOutcome Outcome { get; init; }
    /// <summary>Why nothing (or not everything) was triggered, or why the delivery was rejected.</summary>
    public string? Reason { get; init; }
    public required IReadOnlyList<Guid> RunIds { get; init; }
    /// <summary>Runs of older commits of the same pull request that this delivery aborted (github.cancelSuperseded).</summary>
    public required IReadOnlyList<Guid> SupersededRunIds { get; init; }
    public required DateTime ReceivedAt { get; init; }
    public bool? Duplicate { get; init; }

    public static GithubDeliveryDto From(GithubDelivery delivery, bool? duplicate = null) => new()
    {
        Id = delivery.Id,
        Event = delivery.Event,
        Action = delivery.Action,
        Repository = delivery.Repository,
        Outcome = delivery.Outcome,
        Reason = delivery.Reason,
        RunIds = delivery.RunIds,
        SupersededRunIds = delivery.SupersededRunIds,
        ReceivedAt = delivery.ReceivedAt.UtcDateTime,
        Duplicate = duplicate,
    };
}
