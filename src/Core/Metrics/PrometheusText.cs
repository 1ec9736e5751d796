using System.Globalization;
using System.Text;

namespace Narwhal.Core.Metrics;

/// <summary>
/// The lexical rules of the Prometheus text exposition format 0.0.4: names, escaping, numbers.
/// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>A metric name matching <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>: anything else (dots, dashes) becomes '_'.</summary>
    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>A label name matching <c>[a-zA-Z_][a-zA-Z0-9_]*</c> (colons are reserved for metric names).</summary>
    public static string LabelName(string name) => Sanitize(name, allowColon: false);

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value) => Escape(value, quote: true);

    /// <summary>HELP text escapes backslash and line feed (a double quote stays as it is).</summary>
    public static string EscapeHelp(string text) => Escape(text, quote: false);

    /// <summary>Go's ParseFloat reads these: "+Inf", "-Inf", "NaN", and the shortest round-trip form otherwise.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        // Lower-case exponent, as Go writes it (1e-05): le labels then read the same as other exporters'.
        _ => value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e'),
    };

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0) return "_";
        var sb = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0])) sb.Append('_');
        foreach (var c in name)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        return sb.ToString();
    }

    private static string Escape(string text, bool quote)
    {
        if (text.AsSpan().IndexOfAny('\\', '\n', quote ? '"' : '\\') < 0) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '"' when quote: sb.Append("\\\""); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
