using System.Globalization;
using Narwhal.Core.Runs;

namespace Narwhal.Dispatcher.Github.Statuses;

/// <summary>
/// The one mapping from a run to the commit status GitHub shows for it: queued, running and waiting (for
/// approval) are <c>pending</c>, succeeded <c>success</c>, failed <c>failure</c> (a test or build said no), and every
/// other end (timed out, aborted, lost, error) <c>error</c>: Narwhal, not the code, could not say.
/// </summary>
public static class CommitStatusMapping
{
    /// <summary>GitHub refuses longer descriptions (422).</summary>
    public const int MaxDescription = 140;

    public static string Name(this CommitStatusState state) => state switch
    {
        CommitStatusState.Pending => "pending",
        CommitStatusState.Success => "success",
        CommitStatusState.Failure => "failure",
        CommitStatusState.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static CommitStatusState StateOf(RunStatus status) => status switch
    {
        RunStatus.Waiting or RunStatus.Queued or RunStatus.Running => CommitStatusState.Pending,
        // Nothing ran, and nothing failed: GitHub has no "neutral" commit status, and a pending one would block merging.
        RunStatus.Succeeded or RunStatus.Skipped => CommitStatusState.Success,
        RunStatus.Failed => CommitStatusState.Failure,
        RunStatus.TimedOut or RunStatus.Aborted or RunStatus.Lost or RunStatus.Error => CommitStatusState.Error,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static string Context(string jobName) => $"narwhal/{jobName}";

    /// <summary>A step's own status beside its run's: <c>narwhal/&lt;job&gt;/&lt;step&gt;</c>.</summary>
    public static string Context(string jobName, string? stepKey) => stepKey is null ? Context(jobName) : $"{Context(jobName)}/{stepKey}";

    /// <summary>The run's page in the web UI; null without a public URL.</summary>
    public static string? TargetUrl(Uri? publicUrl, Guid runId) =>
        publicUrl is null ? null : $"{publicUrl.AbsoluteUri.TrimEnd('/')}/ui/runs/{runId}";

    public static CommitStatus From(CommitStatusUpdate update, Uri? publicUrl) => new()
    {
        State = StateOf(update.RunStatus),
        Description = Truncate(Describe(update)),
        Context = Context(update.JobName, update.StepKey),
        // A step's page is its run's.
        TargetUrl = TargetUrl(publicUrl, update.PipelineRunId ?? update.RunId),
    };

    private static string Describe(CommitStatusUpdate update)
    {
        var run = $"#{update.RunNumber.ToString(CultureInfo.InvariantCulture)}{(update.StepKey is { } step ? $" {step}" : "")}";
        return update.RunStatus switch
        {
            RunStatus.Queued when update.RunAttempt > 0 => $"{run} queued again after a lost attempt",
            RunStatus.Queued => $"{run} queued",
            RunStatus.Running => update.RunnerId is { } runner ? $"{run} running on {runner}" : $"{run} running",
            RunStatus.Succeeded => $"{run} succeeded{Took(update)}",
            RunStatus.Failed => update.ExitCode is { } code
                ? $"{run} failed with exit code {code.ToString(CultureInfo.InvariantCulture)}{Took(update)}"
                : $"{run} failed{Took(update)}",
            RunStatus.TimedOut => WithReason($"{run} timed out", update.StatusReason),
            RunStatus.Aborted => WithReason($"{run} aborted", update.StatusReason),
            RunStatus.Lost => WithReason($"{run} lost", update.StatusReason),
            RunStatus.Error => WithReason($"{run} error", update.StatusReason),
            // A run (not a step) waits only at an approval gate (migrations/0015_approvals.sql): say which.
            RunStatus.Waiting when update.StepKey is null => $"{run} waiting for approval{GateOf(update.StatusReason)}",
            RunStatus.Waiting => $"{run} waiting",
            RunStatus.Skipped => WithReason($"{run} skipped", update.StatusReason),
            _ => run,
        };
    }

    /// <summary>" of step 'deploy'" from the run's reason ("Waiting for approval of step 'deploy'."), else nothing.</summary>
    private static string GateOf(string? reason)
    {
        const string prefix = "Waiting for approval";
        return reason is not null && reason.StartsWith(prefix, StringComparison.Ordinal) ? reason[prefix.Length..].TrimEnd('.') : "";
    }

    private static string Took(CommitStatusUpdate update) =>
        update is { StartedAt: { } started, FinishedAt: { } finished } && finished >= started
            ? $" in {Duration(finished - started)}"
            : "";

    private static string Duration(TimeSpan span) => span.TotalSeconds < 60
        ? $"{Math.Max(0, (int)Math.Round(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture)} s"
        : span.TotalHours < 1
            ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
            : $"{(int)span.TotalHours} h {span.Minutes} min";

    private static string WithReason(string what, string? reason)
    {
        var trimmed = reason?.Trim().TrimEnd('.');
        return string.IsNullOrEmpty(trimmed) ? what : $"{what}: {trimmed}";
    }

    private static string Truncate(string text)
    {
        var oneLine = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        if (oneLine.Length <= MaxDescription) return oneLine;
        var cut = MaxDescription - 1;
        if (char.IsHighSurrogate(oneLine[cut - 1])) cut--; // never half a character
        return string.Concat(oneLine.AsSpan(0, cut), "…");
    }
}
