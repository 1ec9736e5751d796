using System.Globalization;
using System.Text.RegularExpressions;

namespace Narwhal.Runner.Junit;

/// <summary>Reads a <c>time</c> attribute (seconds). What does not read as a finite, non-negative number is ignored, not counted as zero.</summary>
internal static partial class JunitTime
{
    /// <summary>
    /// Invariant culture ("0.5", "1e-3"). Thousands separators are accepted only in strict groups of three
    /// ("1,234.5", "12,345"), as some reporters format times that way; "0,5" (decimal comma) is ambiguous and ignored.
    /// </summary>
    public static bool TryParseSeconds(string? text, out double seconds)
    {
        seconds = 0;
        if (string.IsNullOrWhiteSpace(text))
            return false;

        var trimmed = text.AsSpan().Trim();
        var styles = NumberStyles.Float;
        if (ThousandsGroups().IsMatch(trimmed))
            styles |= NumberStyles.AllowThousands;

        return double.TryParse(trimmed, styles, CultureInfo.InvariantCulture, out seconds)
            && double.IsFinite(seconds)
            && seconds >= 0;
    }

    [GeneratedRegex(@"^\d{1,3}(,\d{3})+(\.\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ThousandsGroups();
}
