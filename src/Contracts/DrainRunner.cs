namespace Narwhal.Contracts;

/// <summary>
/// Broadcast on the run-control exchange: "runner X, drain". Only that Runner acts. The database
/// (runners.drain_requested_at) is the truth; a Runner that missed the message finds the request
/// at its next heartbeat tick.
/// </summary>
public sealed record DrainRunner
{
    public required string RunnerId { get; init; }
    public required string RequestedBy { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
}
