using Narwhal.Core.Runs;

namespace Narwhal.Api.Runs;

/// <summary>A validated trigger request, ready to be stored.</summary>
public sealed record NewRun
{
    public required Guid JobId { get; init; }
    public required string JobName { get; init; }
    public required string ResourceClass { get; init; }
    public string? CommitSha { get; init; }
    public string? Branch { get; init; }
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required RunTrigger Trigger { get; init; }
    public Guid? RerunOf { get; init; }
    public string? IdempotencyKey { get; init; }

    /// <summary>Hash of what was asked (source and parameters) to tell a replay from a conflicting reuse of the key.</summary>
    public string? RequestHash { get; init; }
}
