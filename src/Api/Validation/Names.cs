using System.Text.RegularExpressions;

namespace Narwhal.Api.Validation;

public static partial class Names
{
    // Every pattern ends in \z, not $: in .NET, $ also matches before a final "\n", which would let "NAME\n" through.

    /// <summary>Job names appear in URLs, container labels and log lines: keep them plain.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\z")]
    public static partial Regex JobName();

    /// <summary>Parameter names become environment variables.</summary>
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,99}\z")]
    public static partial Regex ParameterName();

    [GeneratedRegex(@"^[0-9a-fA-F]{40}\z")]
    public static partial Regex CommitSha();

    /// <summary>git check-ref-format, roughly: no spaces, no "..", no control characters, no leading '-'.</summary>
    [GeneratedRegex(@"^(?!-)(?!.*\.\.)(?!.*[\x00-\x20~^:?*\[\\])(?!.*@\{)[^/].{0,254}(?<![/.])\z")]
    public static partial Regex BranchName();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}\z")]
    public static partial Regex TokenName();

    public const string JobNameRule = "1-100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit";
}
