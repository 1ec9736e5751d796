using Narwhal.Core.Pipelines;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// One step of a pipeline, checked and merged with the top-level defaults. Stored as JSON
/// (<c>run_steps.definition</c>, through <see cref="Narwhal.Core.Persistence.Json"/>) when the plan is
/// recorded, and read back by the Runner that executes the step: it must round-trip unchanged.
/// </summary>
public sealed record StepConfig
{
    /// <summary>Unique in the pipeline; see <see cref="StepKeys"/>.</summary>
    public required string Key { get; init; }

    /// <summary>The steps it waits for, in file order.</summary>
    public IReadOnlyList<StepNeed> Needs { get; init; } = [];

    public StepWhen When { get; init; } = StepWhen.Success;

    /// <summary>Its failure does not fail the run, and its dependents see it as succeeded.</summary>
    public bool AllowFailure { get; init; }

    /// <summary>The step's, else the top-level default; null: the job's resource class.</summary>
    public string? ResourceClass { get; init; }

    /// <summary>Steps naming the same group, across all runs, run at most <see cref="Concurrency"/> at once.</summary>
    public string? ConcurrencyGroup { get; init; }

    /// <summary>Set exactly when <see cref="ConcurrencyGroup"/> is: the file's value, 1 when it gives none.</summary>
    public int? Concurrency { get; init; }

    /// <summary>The step's <c>retry.onLost</c>, else the top-level default; null: the job's.</summary>
    public int? RetryOnLost { get; init; }

    /// <summary>The branch, event and changes it runs for (its <c>when</c> mapping); null: always considered.</summary>
    public StepCondition? Condition { get; init; }

    /// <summary>Set when the step runs once per combination: expanded when the plan is recorded (<see cref="Narwhal.Runner.Pipelines.MatrixSteps"/>).</summary>
    public StepMatrix? Matrix { get; init; }

    /// <summary>What the step executes: its own keys, else the top-level ones (env merged variable by variable); nothing for a gate.</summary>
    public required JobConfig Job { get; init; }

    /// <summary>Set for an approval gate (<c>block</c>): the step waits for a decision instead of running.</summary>
    public BlockSpec? Block { get; init; }
}
