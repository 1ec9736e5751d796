namespace Narwhal.Dispatcher.Github.Statuses;

/// <summary>One status as GitHub's <c>POST /repos/{owner}/{repo}/statuses/{sha}</c> takes it.</summary>
public sealed record CommitStatus
{
    public required CommitStatusState State { get; init; }

    /// <summary>At most <see cref="CommitStatusMapping.MaxDescription"/> characters (GitHub's limit).</summary>
    public required string Description { get; init; }

    /// <summary><c>narwhal/&lt;job&gt;</c>: one line per job on the commit; a later status of the same context replaces the earlier.</summary>
    public required string Context { get; init; }

    /// <summary>The run's page; null when no public URL is configured.</summary>
    public string? TargetUrl { get; init; }
}
