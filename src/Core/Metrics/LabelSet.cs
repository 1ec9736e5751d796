using System.Globalization;
using System.Text;

namespace Narwhal.Core.Metrics;

/// <summary>
/// Turns a measurement's tags into the rendered inside of a Prometheus label set,
/// <c>class="small",state="idle"</c>: names sanitised and sorted, values escaped. The rendered
/// text is the series' identity (dictionary key) and its sort key, so the output order is stable.
/// </summary>
internal static class LabelSet
{
    public const string Empty = "";

    /// <param name="tags">The measurement's own tags.</param>
    /// <param name="instrumentTags">Tags fixed on the instrument at creation; a measurement's own tag of the same name wins.</param>
    /// <param name="reservedLe">Histograms add <c>le</c> themselves: a tag of that name is renamed <c>le_</c>.</param>
    public static string Render(ReadOnlySpan<KeyValuePair<string, object?>> tags,
        IEnumerable<KeyValuePair<string, object?>>? instrumentTags, bool reservedLe)
    {
        if (tags.IsEmpty && instrumentTags is null) return Empty;

        var labels = new List<KeyValuePair<string, string>>(tags.Length + 2);
        if (instrumentTags is not null)
            foreach (var tag in instrumentTags) Put(labels, tag, reservedLe);
        foreach (var tag in tags) Put(labels, tag, reservedLe);
        if (labels.Count == 0) return Empty;
        labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));

        var sb = new StringBuilder();
        foreach (var (name, value) in labels)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(name).Append("=\"").Append(PrometheusText.EscapeLabelValue(value)).Append('"');
        }
        return sb.ToString();
    }

    private static void Put(List<KeyValuePair<string, string>> labels, KeyValuePair<string, object?> tag, bool reservedLe)
    {
        var name = PrometheusText.LabelName(tag.Key);
        if (reservedLe && name == "le") name = "le_";
        var value = tag.Value switch
        {
            null => "",
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var other => other.ToString() ?? "",
        };
        var existing = labels.FindIndex(l => l.Key == name);
        if (existing >= 0) labels[existing] = new(name, value);
        else labels.Add(new(name, value));
    }
}
