namespace Narwhal.Dispatcher.Github.Statuses;

/// <summary>The states GitHub's commit status API knows; sent as their lowercase names (<see cref="CommitStatusMapping.Name"/>).</summary>
public enum CommitStatusState
{
    Pending,
    Success,
    Failure,
    Error,
}
