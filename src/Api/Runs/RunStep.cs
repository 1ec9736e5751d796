using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Runs;

/// <summary>
/// One attempt of a pipeline step: its place in the graph (run_steps) and the runs row that executes it (claimed,
/// logged and ended like any run). A run without steps has one, <see cref="PipelineLimits.SingleStepKey"/>, which is
/// the run itself (<see cref="MainOf"/>).
/// </summary>
public sealed record RunStep
{
    public required string Key { get; init; }
    /// <summary>The runs row executing this attempt; for a run without steps, the run.</summary>
    public required Run Row { get; init; }
    public required int Position { get; init; }
    /// <summary>1, plus one per retry of the step (POST …/retry); for a run without steps, the run's attempt.</summary>
    public required int Attempt { get; init; }
    public required IReadOnlyList<string> Needs { get; init; }
    public required StepWhen When { get; init; }
    public required bool AllowFailure { get; init; }
    /// <summary>Set when a retry replaced this attempt.</summary>
    public DateTimeOffset? SupersededAt { get; init; }
    /// <summary>Set on an instance of a matrix step: the step as written and this instance's values.</summary>
    public StepInstance? Matrix { get; init; }
    /// <summary>Set for an approval gate (<c>block</c>).</summary>
    public StepGate? Gate { get; init; }

    /// <summary>A run without steps, shown as its one step.</summary>
    public static RunStep MainOf(Run run) => new()
    {
        Key = PipelineLimits.SingleStepKey,
        Row = run,
        Position = 0,
        Attempt = run.Attempt,
        Needs = [],
        When = StepWhen.Success,
        AllowFailure = false,
    };
}
