namespace Narwhal.Core.Runs;

/// <summary>
/// Which status may follow which. Every status-changing SQL statement takes its
/// allowed "from" set from here, so a finished run can never be re-opened by a late writer.
/// </summary>
public static class RunStatusTransitions
{
    public static bool IsTerminal(this RunStatus status) =>
        status is not (RunStatus.Waiting or RunStatus.Queued or RunStatus.Running);

    public static bool IsActive(this RunStatus status) => !status.IsTerminal();

    public static bool CanTransition(RunStatus from, RunStatus to) => (from, to) switch
    {
        // Claimed by a Runner, aborted before it started, or refused before execution
        // (e.g. its job config is invalid, found at claim time).
        (RunStatus.Queued, RunStatus.Running or RunStatus.Aborted or RunStatus.Error) => true,
        // A pipeline step: released once its needs ended, or skipped (see migrations/0012_pipelines.sql).
        (RunStatus.Waiting, RunStatus.Queued or RunStatus.Skipped) => true,
        // A run-retry after a lost Runner puts it back in the queue.
        (RunStatus.Running, RunStatus.Queued) => true,
        (RunStatus.Running, var t) when t.IsTerminal() => true,
        _ => false,
    };

    /// <summary>
    /// An approval gate ends straight from here when decided (approved: succeeded, rejected: failed, timed out), and a
    /// pipeline run is derived waiting while only gates wait (migrations/0015_approvals.sql). Kept out of
    /// <see cref="CanTransition"/>, whose sources fence the Runner's finish: no Runner write may end a waiting row.
    /// </summary>
    public const RunStatus DecidedFrom = RunStatus.Waiting;

    /// <summary>The statuses from which <paramref name="to"/> may be reached.</summary>
    public static RunStatus[] SourcesOf(RunStatus to) =>
        Enum.GetValues<RunStatus>().Where(from => CanTransition(from, to)).ToArray();
}
