namespace Narwhal.Core.Runs;

/// <summary>
/// Lifecycle of a run. Serialized to JSON as snake_case strings and stored in SQL
/// through <see cref="RunStatusNames"/> only.
/// </summary>
public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    Lost,
    Error,
}
