namespace Narwhal.Core.Pipelines;

/// <summary>
/// An approval gate: a step that runs nothing and waits until someone allowed by <see cref="Approvers"/> approves or
/// rejects it (or its <see cref="TimeoutSeconds"/> pass). Stored as JSON in <c>run_steps.block</c>
/// (migrations/0015_approvals.sql) when the plan is recorded; read by the Api that takes the decision.
/// </summary>
public sealed record BlockSpec
{
    /// <summary>The question shown to approvers ("Deploy to production?").</summary>
    public required string Prompt { get; init; }

    /// <summary>Inputs asked for at approval, in file order; the approved values reach later steps as environment variables.</summary>
    public IReadOnlyList<BlockField> Fields { get; init; } = [];

    /// <summary>Who may decide: token names, and scopes written <c>scope:NAME</c>. Default: <see cref="BlockRules.DefaultApprovers"/>.</summary>
    public IReadOnlyList<string> Approvers { get; init; } = BlockRules.DefaultApprovers;

    /// <summary>Null: it waits as long as it takes (or until the run is aborted).</summary>
    public int? TimeoutSeconds { get; init; }
}

/// <summary>One input of a gate, an environment variable of the steps after it.</summary>
public sealed record BlockField
{
    /// <summary>A variable name; not CI or NARWHAL_*.</summary>
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>An approval must give a value (or the field has a <see cref="Default"/>).</summary>
    public bool Required { get; init; }

    /// <summary>The value when an approval leaves the field out.</summary>
    public string? Default { get; init; }

    /// <summary>When set, the only values allowed.</summary>
    public IReadOnlyList<string>? Options { get; init; }
}
