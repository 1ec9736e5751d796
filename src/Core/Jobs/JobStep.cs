using Narwhal.Core.Pipelines;

namespace Narwhal.Core.Jobs;

/// <summary>
/// One step of a freestyle job's pipeline (<see cref="JobSpec.Steps"/>), in canonical form. Keys it leaves
/// out take the job's top-level values (image, script, env merged variable by variable, timeout, retry).
/// </summary>
public sealed record JobStep
{
    public required string Key { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string>? Script { get; init; }

    /// <summary>Plain variables; merged over the job's <see cref="JobSpec.Env"/>.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    public int? TimeoutSeconds { get; init; }
    public IReadOnlyList<JobStepNeed> Needs { get; init; } = [];
    public StepWhen When { get; init; } = StepWhen.Success;
    public bool AllowFailure { get; init; }

    /// <summary>Null: the job's resource class.</summary>
    public string? ResourceClass { get; init; }

    /// <summary>Steps naming the same group, across all runs and jobs, run at most <see cref="Concurrency"/> at once.</summary>
    public string? ConcurrencyGroup { get; init; }

    /// <summary>With <see cref="ConcurrencyGroup"/>: how many at once (default 1).</summary>
    public int? Concurrency { get; init; }

    /// <summary>Null: the job's <see cref="JobSpec.Retry"/>.</summary>
    public RetryPolicy? Retry { get; init; }

    /// <summary>Set when the step runs once per combination of values (see <see cref="StepMatrices"/>).</summary>
    public StepMatrix? Matrix { get; init; }

    /// <summary>Set for an approval gate: it runs nothing (no image, script, env) and waits for a decision.</summary>
    public BlockSpec? Block { get; init; }
}

/// <summary>A need: the step's key, and whether its stored artifacts are placed in the workspace (default yes).</summary>
public sealed record JobStepNeed
{
    public required string Step { get; init; }
    public bool Artifacts { get; init; } = true;
}
