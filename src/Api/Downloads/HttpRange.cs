using System.Globalization;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Downloads;

/// <summary>Parses one <c>Range: bytes=…</c> against an object's size (RFC 9110 §14; one range only).</summary>
public static class HttpRange
{
    public enum Outcome { Whole, Partial, Unsatisfiable }

    public static (Outcome Outcome, ByteRange Range) Resolve(string? header, long size)
    {
        var whole = new ByteRange(0, null);
        // A Range header that is not a single bytes range is ignored (the whole object is served),
        // as RFC 9110 allows; a well-formed but unsatisfiable one is a 416.
        if (string.IsNullOrWhiteSpace(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return (Outcome.Whole, whole);
        var spec = header["bytes=".Length..].Trim();
        if (spec.Contains(',')) return (Outcome.Whole, whole);
        var dash = spec.IndexOf('-');
        if (dash < 0) return (Outcome.Whole, whole);
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();

        if (first.Length == 0)
        {
            // Suffix: the last N bytes.
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix)) return (Outcome.Whole, whole);
            if (suffix == 0 || size == 0) return (Outcome.Unsatisfiable, whole);
            return (Outcome.Partial, new ByteRange(Math.Max(0, size - suffix), size - 1));
        }
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var from)) return (Outcome.Whole, whole);
        long to = size - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var end) || end < from) return (Outcome.Whole, whole);
            to = Math.Min(end, size - 1);
        }
        return from >= size ? (Outcome.Unsatisfiable, whole) : (Outcome.Partial, new ByteRange(from, to));
    }
}
