using System.Text.RegularExpressions;

namespace Narwhal.Api.Jobs;

/// <summary>
/// The grammar of a Docker image reference (distribution/reference): <c>[registry[:port]/]path[:tag][@digest]</c>.
/// A job's image reaches <c>docker pull</c> and the container config as is, so anything else (<c>--privileged</c>,
/// spaces, upper-case paths) is refused when the job is saved, not when its first run fails.
/// </summary>
public static partial class ImageReference
{
    /// <summary>Docker's own limit on the name part (registry and path, without tag or digest).</summary>
    public const int MaxNameLength = 255;

    public const string Rule =
        "[registry[:port]/]path[:tag][@digest]: lower-case path components of letters and digits separated by '.', '_', '__' or '-', " +
        "a tag of up to 128 letters, digits, '_', '.' or '-' (not starting with '.' or '-'), a digest like sha256:<64 hex digits>";

    public static bool IsValid(string? reference)
    {
        if (string.IsNullOrEmpty(reference) || Reference().Match(reference) is not { Success: true } match) return false;
        return match.Groups["name"].Length <= MaxNameLength;
    }

    // domain-component: letters, digits, inner '-'; host: dotted components or a bracketed IPv6 address; optional :port.
    // path-component: [a-z0-9]+ joined by [._] | __ | -+.  tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
    // digest: algorithm (components joined by [-_+.]) ':' at least 32 hex digits.
    [GeneratedRegex("""
        ^(?<name>
          (?:(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?/)?
          [a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*
        )
        (?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?
        (?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?\z
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex Reference();
}
