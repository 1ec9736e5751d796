using System.Text;
using System.Text.RegularExpressions;

namespace Narwhal.Runner.JobConfigs;

/// <summary>A part of a cache key template: literal text, the checksum of a file at the run's commit, or the run's branch.</summary>
internal abstract record CacheKeyPart;

internal sealed record CacheKeyText(string Value) : CacheKeyPart;

/// <summary><c>{{ checksum "PATH" }}</c>: PATH is relative to the repository root.</summary>
internal sealed record CacheKeyChecksum(string Path) : CacheKeyPart;

internal sealed record CacheKeyBranch : CacheKeyPart;

/// <summary>
/// A cache key as written: literal text (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>) and placeholders
/// <c>{{ checksum "PATH" }}</c> and <c>{{ branch }}</c>. Parsed when the config is read (its problems are
/// config errors) and again by the Runner that resolves it, from the same text.
/// </summary>
internal static partial class CacheKeyTemplate
{
    public const int MaxLiteralLength = 100;
    public const int MaxPlaceholders = 4;

    [GeneratedRegex(@"^[A-Za-z0-9._-]*\z")]
    private static partial Regex LiteralPattern();

    [GeneratedRegex(@"^checksum\s+""([^""]*)""\z")]
    private static partial Regex ChecksumPattern();

    /// <summary>The parts, or a problem (without position) saying what is wrong with <paramref name="template"/>.</summary>
    public static (IReadOnlyList<CacheKeyPart> Parts, string? Problem) Parse(string template)
    {
        var parts = new List<CacheKeyPart>();
        var literal = new StringBuilder();
        var rest = template;
        while (rest.Length > 0)
        {
            var open = rest.IndexOf("{{", StringComparison.Ordinal);
            var text = open < 0 ? rest : rest[..open];
            if (!LiteralPattern().IsMatch(text))
                return ([], $"'{text}' in the cache key may hold letters, digits, '.', '_' and '-' only, besides {{{{ checksum \"PATH\" }}}} and {{{{ branch }}}}");
            if (text.Length > 0) parts.Add(new CacheKeyText(text));
            literal.Append(text);
            if (open < 0) break;
            var close = rest.IndexOf("}}", open, StringComparison.Ordinal);
            if (close < 0) return ([], "the cache key opens '{{' without closing it with '}}'");
            var inner = rest[(open + 2)..close].Trim();
            if (inner == "branch") parts.Add(new CacheKeyBranch());
            else if (ChecksumPattern().Match(inner) is { Success: true } checksum) parts.Add(new CacheKeyChecksum(checksum.Groups[1].Value));
            else return ([], $"'{{{{ {inner} }}}}' in the cache key is not a placeholder: use {{{{ checksum \"PATH\" }}}} or {{{{ branch }}}}");
            rest = rest[(close + 2)..];
        }
        if (literal.Length > MaxLiteralLength) return ([], $"the cache key's text is longer than {MaxLiteralLength} characters");
        if (parts.Count(p => p is not CacheKeyText) > MaxPlaceholders) return ([], $"the cache key has more than {MaxPlaceholders} placeholders");
        if (parts.Count == 0) return ([], "the cache key is empty");
        return (parts, null);
    }
}
