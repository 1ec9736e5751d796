namespace Narwhal.Api.Github.Webhooks;

/// <summary>A delivery as recorded: what arrived, what came of it, the runs it queued and the runs it superseded.</summary>
public sealed record GithubDelivery
{
    /// <summary>X-GitHub-Delivery: the same id again is a redelivery and triggers nothing more.</summary>
    public required string Id { get; init; }
    public required string Event { get; init; }
    public string? Action { get; init; }
    public string? Repository { get; init; }
    public required DeliveryOutcome Outcome { get; init; }
    public string? Reason { get; init; }
    public required IReadOnlyList<Guid> RunIds { get; init; }
    /// <summary>Runs of older commits of the same pull request it aborted (jobs with github.cancelSuperseded).</summary>
    public required IReadOnlyList<Guid> SupersededRunIds { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}
