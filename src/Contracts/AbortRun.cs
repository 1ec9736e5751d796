namespace Narwhal.Contracts;

/// <summary>
/// Broadcast to every Runner: "stop this run". Only the Runner executing it acts. The database
/// (runs.abort_requested_at) is the truth; this message only makes the stop prompt, and a Runner
/// that missed it finds the request at its next check.
/// </summary>
public sealed record AbortRun
{
    public required Guid RunId { get; init; }
    public required string RequestedBy { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
}
