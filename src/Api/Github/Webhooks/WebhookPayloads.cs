using Narwhal.Core.Github;

namespace Narwhal.Api.Github.Webhooks;

// The parts of GitHub's webhook payloads Narwhal reads (snake_case on the wire, see WebhookParser); everything else
// in a payload is ignored. Payload reference: https://docs.github.com/webhooks/webhook-events-and-payloads

/// <summary><c>repository</c>, and <c>pull_request.head.repo</c> / <c>base.repo</c>.</summary>
public sealed record GithubRepositoryPayload
{
    public long? Id { get; init; }
    public string? FullName { get; init; }
    public string? CloneUrl { get; init; }
    public string? SshUrl { get; init; }
    public string? GitUrl { get; init; }
    public string? HtmlUrl { get; init; }
    public string? SvnUrl { get; init; }

    /// <summary>
    /// Every identity this <c>repository</c> object names: its clone, ssh, git, html and svn URLs, and its
    /// full name on the host of its html URL.
    /// </summary>
    public IReadOnlySet<RepositoryIdentity> Identities()
    {
        var set = new HashSet<RepositoryIdentity>();
        foreach (var url in new[] { CloneUrl, SshUrl, GitUrl, HtmlUrl, SvnUrl })
            if (RepositoryIdentity.TryParse(url, out var identity)) set.Add(identity);
        if (FullName is { } fullName && RepositoryIdentity.TryParse(HtmlUrl, out var html))
            set.Add(new RepositoryIdentity(html.Host, fullName.Trim('/').ToLowerInvariant()));
        return set;
    }
}

/// <summary><c>sender</c>, <c>pull_request.head.user</c>.</summary>
public sealed record GithubUserPayload
{
    public string? Login { get; init; }
}

/// <summary><c>pull_request.head</c> / <c>pull_request.base</c>. The head's repo is null when its fork was deleted.</summary>
public sealed record PullRequestRefPayload
{
    public string? Ref { get; init; }
    public string? Sha { get; init; }
    public GithubRepositoryPayload? Repo { get; init; }
    public GithubUserPayload? User { get; init; }
}

public sealed record PullRequestPayload
{
    public int? Number { get; init; }
    public string? HtmlUrl { get; init; }
    public PullRequestRefPayload? Head { get; init; }
    public PullRequestRefPayload? Base { get; init; }
}

/// <summary>The fields of the events Narwhal handles (ping, pull_request, push), all in one shape.</summary>
public sealed record WebhookPayload
{
    public string? Action { get; init; }
    public GithubRepositoryPayload? Repository { get; init; }
    public GithubUserPayload? Sender { get; init; }

    /// <summary>ping: the hook's id.</summary>
    public long? HookId { get; init; }

    /// <summary>pull_request.</summary>
    public PullRequestPayload? PullRequest { get; init; }

    /// <summary>push: the full ref (<c>refs/heads/main</c>, <c>refs/tags/v1</c>), the SHAs before and after, created or deleted.</summary>
    public string? Ref { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }
    public bool Deleted { get; init; }

    /// <summary>push: the commit the ref points to now (for an annotated tag, <see cref="After"/> is the tag object, this is its commit).</summary>
    public PushCommitPayload? HeadCommit { get; init; }
}

public sealed record PushCommitPayload
{
    public string? Id { get; init; }
}
