using Narwhal.Core.Pipelines;
using Narwhal.Runner.JobConfigs;

namespace Narwhal.Runner.Pipelines;

/// <summary>One step of a pipeline as it is recorded: its place in the graph and what it executes.</summary>
public sealed record PlannedStep
{
    public required string Key { get; init; }
    public IReadOnlyList<string> Needs { get; init; } = [];
    /// <summary>The needs whose artifacts it receives.</summary>
    public IReadOnlyList<string> ArtifactsFrom { get; init; } = [];
    public StepWhen When { get; init; }
    public bool AllowFailure { get; init; }
    public required string ResourceClass { get; init; }
    public string? ConcurrencyGroup { get; init; }
    public int? Concurrency { get; init; }
    public int? RetryOnLost { get; init; }
    public required JobConfig Definition { get; init; }

    /// <summary>Set when a condition leaves the step out of this run: it is recorded <c>skipped</c>, with this reason.</summary>
    public string? SkipReason { get; init; }

    /// <summary>Set on each instance of a matrix step: the step as written and this instance's values.</summary>
    public StepInstance? Matrix { get; init; }

    /// <summary>Set for an approval gate: never queued, it waits for a decision.</summary>
    public BlockSpec? Block { get; init; }
}
