namespace Narwhal.Core.Runs;

/// <summary>Who or what started a run; stored as jsonb so each kind can carry its own details.</summary>
public sealed record RunTrigger
{
    public required TriggerKind Kind { get; init; }

    /// <summary>Name of the API token that triggered it (kind api).</summary>
    public string? TokenName { get; init; }
}
