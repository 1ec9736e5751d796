using System.Text.RegularExpressions;

namespace Narwhal.Runner.Git;

/// <summary>
/// Removes credentials from text before it leaves the git layer (exception messages, logs).
/// Known secrets of the current fetch are masked exactly; on top, anything shaped like a
/// credential is masked whether or not it is known (git may echo a URL with a user's token
/// that came from the repository's own configuration or a redirect).
/// </summary>
internal static partial class GitSecretScrubber
{
    public const string Mask = "***";

    /// <summary><c>scheme://user:password@host</c> and <c>scheme://token@host</c>: the user-info part goes.</summary>
    [GeneratedRegex(@"(?<head>\b[a-z][a-z0-9+.-]*://)[^/\s@'""]+@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlUserInfo();

    /// <summary>HTTP authorization values as curl's verbose output or a proxy error would print them.</summary>
    [GeneratedRegex(@"(?<head>\b(?:Authorization|Proxy-Authorization)\s*:\s*(?:\w+\s+)?)\S+|(?<head>\bBearer\s+)\S+", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationValue();

    /// <summary><c>password=…</c>, <c>access_token=…</c> and the like (query strings, credential-helper protocol lines).</summary>
    [GeneratedRegex(@"(?<head>\b(?:password|passwd|token|access_token|private_token|secret|api[_-]?key)\s*[=:]\s*)[^\s&'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValueSecret();

    /// <summary>PEM / OpenSSH private key blocks, even when cut off.</summary>
    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z)", RegexOptions.Singleline)]
    private static partial Regex PrivateKeyBlock();

    /// <summary>Token formats that announce themselves: GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab (glpat-).</summary>
    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})")]
    private static partial Regex WellKnownToken();

    public static string Scrub(string text, IEnumerable<string>? knownSecrets = null)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var secret in (knownSecrets ?? []).Where(s => s.Length >= 3).OrderByDescending(s => s.Length))
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        text = PrivateKeyBlock().Replace(text, Mask);
        text = UrlUserInfo().Replace(text, m => $"{m.Groups["head"].Value}{Mask}@");
        text = AuthorizationValue().Replace(text, m => m.Groups["head"].Value + Mask);
        text = KeyValueSecret().Replace(text, m => m.Groups["head"].Value + Mask);
        return WellKnownToken().Replace(text, Mask);
    }
}
