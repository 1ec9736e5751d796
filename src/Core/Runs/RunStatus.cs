namespace Narwhal.Core.Runs;

/// <summary>
/// Lifecycle of a run. Serialized to JSON as snake_case strings and stored in SQL
/// through <see cref="RunStatusNames"/> only.
/// </summary>
public enum RunStatus
{
    /// <summary>A pipeline step waiting for the steps it needs; no message exists for it yet.</summary>
    Waiting,
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    Lost,
    Error,
    /// <summary>A pipeline step that did not run: a step it needs did not succeed, or the run was aborted first.</summary>
    Skipped,
}
