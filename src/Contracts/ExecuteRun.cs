namespace Narwhal.Contracts;

/// <summary>
/// Command published to the queue of a run's resource class: "execute this run".
/// It carries identity only; the Runner reads everything else from Postgres when it
/// claims the run, because the database, not the message, is the source of truth
/// (a run aborted or edited after publishing must not execute from a stale copy).
/// </summary>
public sealed record ExecuteRun
{
    public required Guid RunId { get; init; }
    public required string JobName { get; init; }
    public required int RunNumber { get; init; }
    public required string ResourceClass { get; init; }
    public required DateTimeOffset EnqueuedAt { get; init; }
}
