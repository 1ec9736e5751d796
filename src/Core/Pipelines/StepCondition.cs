namespace Narwhal.Core.Pipelines;

/// <summary>
/// The conditions of a step's <c>when</c> beside its status rule: each list left empty does not restrict, and a step
/// runs only when every non-empty one holds. Judged once, when the pipeline is planned.
/// </summary>
public sealed record StepCondition
{
    /// <summary>Globs over the run's branch (see <see cref="Narwhal.Core.Jobs.BranchPattern"/>).</summary>
    public IReadOnlyList<string> Branch { get; init; } = [];

    /// <summary>What started the run, by <see cref="StepEvents"/> names.</summary>
    public IReadOnlyList<string> Event { get; init; } = [];

    /// <summary>Path globs; at least one changed path must match one.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];
}
