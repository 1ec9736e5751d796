using System.Globalization;
using System.Text;

namespace Narwhal.Core.Metrics;

/// <summary>
/// Renders families in the text exposition format 0.0.4: per family one <c># HELP</c> (when the
/// instrument has a description) and one <c># TYPE</c>, then its samples without timestamps.
/// Families come in name order, series in label order, so two scrapes of the same state are equal.
/// </summary>
internal static class PrometheusWriter
{
    public static void Write(StringBuilder sb, IEnumerable<MetricFamily> families)
    {
        foreach (var family in families.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var series = family.Snapshot();
            if (series.Count == 0) continue;   // metadata without samples says nothing

            var name = family.Name;
            if (!string.IsNullOrWhiteSpace(family.Help))
                sb.Append("# HELP ").Append(name).Append(' ').Append(PrometheusText.EscapeHelp(family.Help)).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(TypeName(family.Shape.Type)).Append('\n');

            foreach (var (labels, one) in series)
            {
                switch (one)
                {
                    case SumSeries sum: Sample(sb, name, labels, null, PrometheusText.FormatValue(sum.Value)); break;
                    case LastValueSeries last: Sample(sb, name, labels, null, PrometheusText.FormatValue(last.Value)); break;
                    case HistogramSeries histogram: Histogram(sb, name, labels, histogram); break;
                }
            }
        }
    }

    private static void Histogram(StringBuilder sb, string name, string labels, HistogramSeries histogram)
    {
        var (cumulative, sum, count) = histogram.Snapshot();
        var bounds = histogram.Bounds;
        var bucket = name + "_bucket";
        for (var i = 0; i < bounds.Length; i++)
            Sample(sb, bucket, labels, PrometheusText.FormatValue(bounds[i]), cumulative[i].ToString(CultureInfo.InvariantCulture));
        Sample(sb, bucket, labels, "+Inf", cumulative[^1].ToString(CultureInfo.InvariantCulture));
        Sample(sb, name + "_sum", labels, null, PrometheusText.FormatValue(sum));
        Sample(sb, name + "_count", labels, null, count.ToString(CultureInfo.InvariantCulture));
    }

    private static void Sample(StringBuilder sb, string name, string labels, string? le, string value)
    {
        sb.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            sb.Append('{').Append(labels);
            if (le is not null) sb.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
            sb.Append('}');
        }
        sb.Append(' ').Append(value).Append('\n');
    }

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Histogram => "histogram",
        _ => "gauge",
    };
}
