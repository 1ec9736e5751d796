using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Narwhal.Testing.Metrics;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, written from the spec
/// (https://prometheus.io/docs/instrumenting/exposition_formats/), independent of the exporter:
/// it throws <see cref="FormatException"/> with the line number on anything the spec does not allow.
/// Checked: line grammar (comments, <c>name{labels} value [timestamp]</c>), name and label-name
/// character sets, label value escapes (only \\ \" \n), float values, at most one HELP and TYPE
/// per family and TYPE before its samples, a family's lines in one group, no repeated series,
/// histogram samples only as _bucket (with le), _sum, _count, and a final line feed.
/// </summary>
public static partial class PrometheusTextParser
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, long? Timestamp)
    {
        public string Label(string name) => Labels.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"{Name} has no label {name}");
    }

    public sealed class Family(string name)
    {
        public string Name => name;
        public string? Help { get; set; }
        public string Type { get; set; } = "untyped";
        public bool TypeDeclared { get; set; }
        public List<Sample> Samples { get; } = [];
    }

    public sealed class Exposition
    {
        public Dictionary<string, Family> Families { get; } = new(StringComparer.Ordinal);
        public List<string> FamilyOrder { get; } = [];

        public Family this[string name] => Families.TryGetValue(name, out var f) ? f : throw new KeyNotFoundException($"no metric family {name}");
    }

    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")] private static partial Regex MetricName();
    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")] private static partial Regex LabelName();

    public static Exposition Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the exposition must end with a line feed");
        var result = new Exposition();
        var closed = new HashSet<string>(StringComparer.Ordinal);   // families whose group of lines has ended
        var seenSeries = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;

        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length - 1; n++)
        {
            var line = lines[n];
            var at = $"line {n + 1}: '{line}'";
            if (line.Contains('\r')) throw new FormatException($"{at}: carriage return");
            if (line.Trim().Length == 0) continue;

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length < 3 || parts[0] != "#" || (parts[1] != "HELP" && parts[1] != "TYPE")) continue;   // a plain comment
                var name = parts[2];
                if (!MetricName().IsMatch(name)) throw new FormatException($"{at}: bad metric name");
                var family = Enter(result, closed, ref current, name, at);
                if (parts[1] == "HELP")
                {
                    if (family.Help is not null) throw new FormatException($"{at}: second HELP for {name}");
                    family.Help = UnescapeHelp(parts.Length > 3 ? parts[3] : "", at);
                }
                else
                {
                    if (family.TypeDeclared) throw new FormatException($"{at}: second TYPE for {name}");
                    if (family.Samples.Count > 0) throw new FormatException($"{at}: TYPE after samples of {name}");
                    var type = parts.Length > 3 ? parts[3] : "";
                    if (!Types.Contains(type)) throw new FormatException($"{at}: unknown type '{type}'");
                    family.Type = type;
                    family.TypeDeclared = true;
                }
                continue;
            }

            var sample = ParseSample(line, at);
            var familyName = FamilyOf(result, sample.Name, current);
            var owner = Enter(result, closed, ref current, familyName, at);
            CheckSampleFits(owner, sample, at);
            var identity = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!seenSeries.Add(identity)) throw new FormatException($"{at}: repeated series {identity}");
            owner.Samples.Add(sample);
        }
        return result;
    }

    // A histogram family X owns X_bucket, X_sum and X_count; every other sample is its own family.
    private static string FamilyOf(Exposition result, string sampleName, string? current)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (!sampleName.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var stem = sampleName[..^suffix.Length];
            if (result.Families.TryGetValue(stem, out var f) && f.Type is "histogram" or "summary") return stem;
        }
        return sampleName;
    }

    private static Family Enter(Exposition result, HashSet<string> closed, ref string? current, string name, string at)
    {
        if (current != name)
        {
            if (closed.Contains(name)) throw new FormatException($"{at}: lines of {name} are not in one group");
            if (current is not null) closed.Add(current);
            current = name;
        }
        if (!result.Families.TryGetValue(name, out var family))
        {
            result.Families[name] = family = new Family(name);
            result.FamilyOrder.Add(name);
        }
        return family;
    }

    private static void CheckSampleFits(Family family, Sample sample, string at)
    {
        if (family.Type != "histogram")
        {
            if (sample.Name != family.Name) throw new FormatException($"{at}: sample {sample.Name} in family {family.Name}");
            return;
        }
        var suffix = sample.Name[family.Name.Length..];
        if (suffix is not ("_bucket" or "_sum" or "_count")) throw new FormatException($"{at}: histogram sample {sample.Name}");
        if (suffix == "_bucket" != sample.Labels.ContainsKey("le")) throw new FormatException($"{at}: le belongs on _bucket samples only");
        if (suffix == "_bucket") ParseFloat(sample.Labels["le"], at);
    }

    private static Sample ParseSample(string line, string at)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        var name = line[..i];
        if (!MetricName().IsMatch(name)) throw new FormatException($"{at}: bad metric name '{name}'");

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i >= line.Length) throw new FormatException($"{at}: unterminated label set");
                if (line[i] == '}') { i++; break; }
                var eq = line.IndexOf('=', i);
                if (eq < 0) throw new FormatException($"{at}: label without '='");
                var label = line[i..eq];
                if (!LabelName().IsMatch(label)) throw new FormatException($"{at}: bad label name '{label}'");
                if (eq + 1 >= line.Length || line[eq + 1] != '"') throw new FormatException($"{at}: label value must be quoted");
                i = eq + 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length) throw new FormatException($"{at}: unterminated label value");
                    var c = line[i++];
                    if (c == '"') break;
                    if (c != '\\') { value.Append(c); continue; }
                    if (i >= line.Length) throw new FormatException($"{at}: dangling backslash");
                    value.Append(line[i++] switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        var other => throw new FormatException($"{at}: invalid escape \\{other} in a label value"),
                    });
                }
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"{at}: label {label} twice");
                if (i < line.Length && line[i] == ',') i++;
                else if (i >= line.Length || line[i] != '}') throw new FormatException($"{at}: expected ',' or '}}' after a label");
            }
        }

        if (i >= line.Length || line[i] != ' ') throw new FormatException($"{at}: expected a space before the value");
        var rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2 || rest[0].Length == 0) throw new FormatException($"{at}: expected 'value [timestamp]'");
        var number = ParseFloat(rest[0], at);
        long? timestamp = rest.Length == 2
            ? long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ts) ? ts : throw new FormatException($"{at}: bad timestamp")
            : null;
        return new Sample(name, labels, number, timestamp);
    }

    public static double ParseFloat(string text, string at) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new FormatException($"{at}: '{text}' is not a float"),
    };

    private static string UnescapeHelp(string text, string at)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { sb.Append(text[i]); continue; }
            if (++i >= text.Length) throw new FormatException($"{at}: dangling backslash in HELP");
            sb.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw new FormatException($"{at}: invalid escape \\{other} in HELP"),
            });
        }
        return sb.ToString();
    }
}
