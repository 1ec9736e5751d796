using Narwhal.Core.Runs;

namespace Narwhal.Api.Runs;

public enum AbortOutcome
{
    /// <summary>It was queued (a pipeline: nothing of it was running): it is now aborted and nothing of it will start.</summary>
    Aborted,
    /// <summary>It is running (a pipeline: some of its steps are): its Runners have been asked to stop.</summary>
    Requested,
    /// <summary>It had already ended.</summary>
    AlreadyEnded,
    NotFound,
}

/// <param name="Run">The run as the abort left it.</param>
/// <param name="ToStop">The rows whose Runners are to hear an AbortRun broadcast once committed: the run itself, or a pipeline's running steps.</param>
/// <param name="Steps">A pipeline's current steps as the abort left them; null for a run without steps.</param>
public sealed record AbortResult(AbortOutcome Outcome, Run? Run, IReadOnlyList<Run> ToStop, IReadOnlyList<RunStep>? Steps = null)
{
    public AbortResult(AbortOutcome outcome, Run? run) : this(outcome, run, outcome == AbortOutcome.Requested && run is not null ? [run] : []) { }
}
