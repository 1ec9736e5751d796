namespace Narwhal.Dispatcher.Github.Statuses;

/// <summary>How a commit status update row ended; stored in <c>commit_status_updates.outcome</c> through <see cref="CommitStatusStore"/> only.</summary>
public enum CommitStatusOutcome
{
    /// <summary>GitHub accepted it.</summary>
    Posted,
    /// <summary>A newer update of the same run was posted instead (GitHub shows the latest status of a context anyway).</summary>
    Superseded,
    /// <summary>Nothing to report to: the job's repository is not on the configured GitHub host.</summary>
    Skipped,
    /// <summary>GitHub answered a 4xx no retry can fix (unknown repository, bad commit, no permission).</summary>
    Refused,
    /// <summary>Still failing after the give-up time, or no token was configured.</summary>
    GaveUp,
}
