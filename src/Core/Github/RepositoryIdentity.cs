using System.Text.RegularExpressions;

namespace Narwhal.Core.Github;

/// <summary>
/// A repository as (host, owner/name), lower-cased, whatever URL form names it: <c>https://host/o/r(.git)</c>,
/// <c>http://</c>, <c>git@host:o/r(.git)</c>, <c>ssh://git@host(:port)/o/r(.git)</c>, <c>git://host/o/r</c>. Ports,
/// users, a trailing <c>.git</c> or slash do not matter; GitHub names are case-insensitive. Pure: no network.
/// Shared: the Api matches webhook repositories to jobs with it, the Dispatcher finds the repository a status goes to.
/// </summary>
public readonly partial record struct RepositoryIdentity(string Host, string Path)
{
    /// <summary>GitHub's SSH-over-443 host serves the same repositories as github.com.</summary>
    private static readonly Dictionary<string, string> HostAliases = new(StringComparer.Ordinal) { ["ssh.github.com"] = "github.com" };

    public override string ToString() => $"{Host}/{Path}";

    public static bool TryParse(string? url, out RepositoryIdentity identity)
    {
        identity = default;
        var text = url?.Trim();
        if (string.IsNullOrEmpty(text)) return false;

        string host, path;
        if (!text.Contains("://", StringComparison.Ordinal) && ScpLike().Match(text) is { Success: true } scp)
        {
            (host, path) = (scp.Groups["host"].Value, scp.Groups["path"].Value);
        }
        else if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh" or "git" or "git+ssh" or "ssh+git")
        {
            (host, path) = (uri.Host, Uri.UnescapeDataString(uri.AbsolutePath));
        }
        else return false;

        host = host.ToLowerInvariant();
        host = HostAliases.GetValueOrDefault(host, host);
        path = path.Trim('/');
        if (path.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) path = path[..^4].TrimEnd('/');
        if (host.Length == 0 || path.Length == 0) return false;
        identity = new RepositoryIdentity(host, path.ToLowerInvariant());
        return true;
    }

    /// <summary><c>user@host:path</c> (scp-like syntax of git); the path must not start with '/' after a port-like number only.</summary>
    [GeneratedRegex(@"^(?:[^@/\s]+@)?(?<host>[A-Za-z0-9.-]+):(?<path>[^\s]+)$")]
    private static partial Regex ScpLike();
}
