using System.Text.RegularExpressions;
using Narwhal.Core.Github;

namespace Narwhal.Dispatcher.Github.Statuses;

/// <summary>A repository on GitHub (or a GitHub Enterprise host): <c>owner/name</c>.</summary>
public sealed partial record GithubRepository(string Owner, string Name)
{
    public string FullName => $"{Owner}/{Name}";

    public override string ToString() => FullName;

    // GitHub's own rules: owners are letters, digits and single hyphens; names add '.', '_'.
    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")]
    private static partial Regex OwnerPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex NamePattern();

    /// <summary>"owner/name" as GitHub writes it in webhooks; null when it is not that.</summary>
    public static GithubRepository? ParseFullName(string? fullName)
    {
        if (fullName is null) return null;
        var parts = fullName.Split('/');
        return parts.Length == 2 ? Of(parts[0], parts[1]) : null;
    }

    /// <summary>
    /// The repository a git URL names, when it is on <paramref name="host"/>: any URL form
    /// <see cref="RepositoryIdentity"/> reads (https, ssh, scp-like <c>git@host:o/r</c>, git; with or
    /// without <c>.git</c>), host compared case-insensitively and without port (the webhook side
    /// matches repositories the same way). Null for any other host or a path that is not owner/name.
    /// </summary>
    public static GithubRepository? FromGitUrl(string? url, string host)
    {
        if (string.IsNullOrWhiteSpace(host) || !RepositoryIdentity.TryParse(url, out var identity)) return null;
        var hostOnly = host.Trim().Split(':')[0];
        return string.Equals(identity.Host, hostOnly, StringComparison.OrdinalIgnoreCase) ? ParseFullName(identity.Path) : null;
    }

    private static GithubRepository? Of(string owner, string name) =>
        OwnerPattern().IsMatch(owner) && NamePattern().IsMatch(name) && name is not ("." or "..") ? new GithubRepository(owner, name) : null;
}
