using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Narwhal.Runner.Git;

/// <summary>
/// A repository URL the Runner agrees to fetch, and the name of its mirror. Job URLs come from
/// users, so only plain transports pass: <c>https</c>, <c>http</c>, <c>ssh</c>, <c>git</c> and
/// scp-like <c>user@host:path</c>; <c>file</c> only when the cache allows local repositories
/// (a job could otherwise read any repository on the host, other projects' mirrors included).
/// Remote-helper syntax (<c>ext::…</c>) and credentials inside the URL are refused.
/// </summary>
internal sealed partial record GitRemote(string Url, string MirrorName, bool IsLocal)
{
    private static readonly string[] NetworkSchemes = ["https", "http", "ssh", "git", "git+ssh", "ssh+git"];

    /// <summary><c>[user@]host:path</c> without a scheme, as ssh takes it.</summary>
    [GeneratedRegex(@"^(?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?[A-Za-z0-9.][A-Za-z0-9.-]*:(?!/{2})[^\s]+$")]
    private static partial Regex ScpLike();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlug();

    /// <summary>The protocols git may use, for <c>GIT_ALLOW_PROTOCOL</c>: a second fence behind <see cref="Parse"/>.</summary>
    public static string AllowedProtocols(bool allowLocal) => allowLocal ? "https:http:ssh:git:file" : "https:http:ssh:git";

    public static GitRemote Parse(string url, bool allowLocal)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw Invalid(url, "the repository URL is empty");
        if (url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || url.StartsWith('-') || url.Contains("::", StringComparison.Ordinal))
            throw Invalid(url, "the repository URL has spaces, control characters, a leading '-' or a remote-helper prefix");

        if (url.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
                throw Invalid(url, "the repository URL is not a valid URL");
            var scheme = uri.Scheme.ToLowerInvariant();
            var isFile = scheme == "file";
            if (isFile && !allowLocal)
                throw Invalid(url, "file:// repositories are not allowed on this Runner (set NARWHAL_RUNNER_ALLOW_FILE_REPOS=true on the Runner to allow them, for single-user setups only)");
            if (!isFile && !NetworkSchemes.Contains(scheme))
                throw Invalid(url, $"the '{scheme}' scheme is not supported (use https, http, ssh or git)");
            if (!isFile && (uri.Host.Length == 0 || uri.Host.StartsWith('-') || uri.UserInfo.StartsWith('-')))
                throw Invalid(url, "the repository URL has no host, or a host or user that reads as an option");
            // A token in the URL would be stored in the mirror's config and shown by every git process listing.
            // ssh:// may name the login user (git@host); http(s) may not carry anything there.
            if (uri.UserInfo.Length > 0 && (scheme is "http" or "https" || uri.UserInfo.Contains(':')))
                throw Invalid(url, "the repository URL must not carry credentials; pass them as GitCredentials");
            return new GitRemote(url, MirrorNameOf(url), isFile);
        }

        if (ScpLike().IsMatch(url))
            return new GitRemote(url, MirrorNameOf(url), IsLocal: false);
        throw Invalid(url, "the repository URL is neither scheme://host/path nor user@host:path");
    }

    /// <summary>Readable and collision-free: a slug of the URL for people, a hash of it for uniqueness.</summary>
    private static string MirrorNameOf(string url)
    {
        var slug = NonSlug().Replace(url.ToLowerInvariant(), "-").Trim('-');
        if (slug.Length > 48) slug = slug[^48..].TrimStart('-');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))[..16];
        return $"{slug}-{hash}";
    }

    private static GitFetchException Invalid(string? url, string reason) =>
        new(GitFailure.InvalidRequest, $"Cannot fetch '{GitSecretScrubber.Scrub(url ?? "")}': {reason}.");

    public override string ToString() => Url;
}
