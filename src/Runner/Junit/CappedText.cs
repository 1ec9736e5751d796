using System.Text;

namespace Narwhal.Runner.Junit;

/// <summary>Cutting strings to a UTF-8 byte budget without splitting a character.</summary>
internal static class CappedText
{
    public const string Ellipsis = "…";
    private static readonly int EllipsisBytes = Encoding.UTF8.GetByteCount(Ellipsis);

    /// <summary><paramref name="text"/> if it fits in <paramref name="maxBytes"/> UTF-8 bytes, else its longest prefix that fits with "…" appended.</summary>
    public static string Cap(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetMaxByteCount(text.Length) <= maxBytes || Encoding.UTF8.GetByteCount(text) <= maxBytes)
            return text;

        var budget = maxBytes - EllipsisBytes;
        var used = 0;
        var cut = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > budget)
                break;
            used += rune.Utf8SequenceLength;
            cut += rune.Utf16SequenceLength;
        }
        return string.Concat(text.AsSpan(0, cut), Ellipsis);
    }

    /// <summary>Trimmed and capped; null when absent or blank.</summary>
    public static string? CapOrNull(string? text, int maxBytes) =>
        string.IsNullOrWhiteSpace(text) ? null : Cap(text.Trim(), maxBytes);

    /// <summary>The first line with anything on it, trimmed; null when there is none.</summary>
    public static string? FirstLine(string text)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (!trimmed.IsEmpty)
                return trimmed.ToString();
        }
        return null;
    }

    /// <summary>The first <paramref name="maxLines"/> lines, with a "…" line when more were dropped.</summary>
    public static string FirstLines(string text, int maxLines)
    {
        var end = 0;
        for (var lines = 0; lines < maxLines; lines++)
        {
            var newline = text.IndexOf('\n', end);
            if (newline < 0)
                return text;
            end = newline + 1;
        }
        return end >= text.Length ? text : string.Concat(text.AsSpan(0, end), Ellipsis);
    }
}
