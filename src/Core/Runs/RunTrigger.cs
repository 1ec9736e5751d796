namespace Narwhal.Core.Runs;

/// <summary>Who or what started a run; stored as jsonb so each kind can carry its own details.</summary>
public sealed record RunTrigger
{
    public required TriggerKind Kind { get; init; }

    /// <summary>Name of the API token that triggered it (kind api).</summary>
    public string? TokenName { get; init; }

    /// <summary>The GitHub delivery that triggered it (kind github).</summary>
    public GithubTrigger? Github { get; init; }
}

/// <summary>
/// What a GitHub webhook delivery said about a run: the event, the pull request or pushed ref, who
/// sent it, and whether it comes from a fork (then the run gets no secrets unless the job opted in).
/// </summary>
public sealed record GithubTrigger
{
    /// <summary>X-GitHub-Delivery.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>"pull_request" or "push".</summary>
    public required string Event { get; init; }

    /// <summary>The action of a pull_request event (opened, synchronize, reopened).</summary>
    public string? Action { get; init; }

    /// <summary>The repository's full name (owner/name) the webhook came from.</summary>
    public required string Repository { get; init; }

    public int? PullRequest { get; init; }

    /// <summary>The PR's page (html_url), for links.</summary>
    public string? PullRequestUrl { get; init; }

    /// <summary>The PR's head branch, or the pushed branch.</summary>
    public string? HeadRef { get; init; }

    /// <summary>
    /// What the run's changes are compared with (<c>when.changes</c>): the pull request's base commit, or the commit a
    /// push moved its branch from; null when there is none (a new branch, a tag).
    /// </summary>
    public string? BaseSha { get; init; }

    /// <summary>The PR head's repository when it is a fork (owner/name), else null.</summary>
    public string? ForkRepository { get; init; }

    public bool Fork => ForkRepository is not null;

    /// <summary>
    /// True when the run gets none of the job's secrets because it comes from a fork (and the job's
    /// github.forkSecrets is off). Git credentials are still used, for the fetch only: they never
    /// reach the job's container, so the fork's code cannot read them.
    /// </summary>
    public bool SecretsWithheld { get; init; }

    /// <summary>The GitHub login of the sender.</summary>
    public string? Sender { get; init; }
}
