using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;

namespace Narwhal.Dispatcher.Github.Statuses;

/// <summary>
/// A claimed row of <c>commit_status_updates</c> with what it takes to describe it: the run status it
/// reports (fixed when the row was written) and the run's and job's details as they are now.
/// </summary>
public sealed record CommitStatusUpdate
{
    public required long Id { get; init; }
    public required Guid RunId { get; init; }

    /// <summary>Set when the row reports a pipeline step (the job asked for statuses per step).</summary>
    public string? StepKey { get; init; }

    /// <summary>With <see cref="StepKey"/>: the pipeline run the step belongs to.</summary>
    public Guid? PipelineRunId { get; init; }
    public required string CommitSha { get; init; }

    /// <summary>The run's status when the row was written: the one this update reports.</summary>
    public required RunStatus RunStatus { get; init; }

    /// <summary>Post attempts including this one.</summary>
    public required int Attempts { get; init; }

    public required string JobName { get; init; }
    public required int RunNumber { get; init; }
    public int RunAttempt { get; init; }
    public string? StatusReason { get; init; }
    public int? ExitCode { get; init; }
    public string? RunnerId { get; init; }
    public required RunTrigger Trigger { get; init; }
    public required JobSpec Job { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
}
