namespace Narwhal.Dispatcher.Github;

public enum GithubPostOutcome
{
    /// <summary>GitHub stored the status.</summary>
    Posted,
    /// <summary>GitHub said no in a way no retry changes (4xx): the update is dropped.</summary>
    Refused,
    /// <summary>Still failing after the pipeline's retries (5xx, rate limit, network): try again later.</summary>
    Failed,
}

/// <summary>What posting one status came to; <see cref="RetryAfter"/> is GitHub's own wait when it named one.</summary>
public sealed record GithubPostResult(GithubPostOutcome Outcome, string Detail, TimeSpan? RetryAfter = null);
