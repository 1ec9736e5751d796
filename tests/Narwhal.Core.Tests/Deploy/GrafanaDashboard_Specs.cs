using System.Text.Json;
using System.Text.RegularExpressions;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Deploy;

/// <summary>
/// deploy/grafana/narwhal-dashboard.json against the code: every PromQL expression reads only
/// metrics this test knows, and every one of those names is still created in src/. Renaming an
/// instrument without updating the dashboard fails here.
/// </summary>
[TestFixture]
public sealed partial class GrafanaDashboard_Specs
{
    // The metrics the dashboard may use; each must appear as a string literal in src/.
    private static readonly string[] KnownMetrics =
    [
        "narwhal_queue_depth",
        "narwhal_runners",
        "narwhal_runs",
        "narwhal_run_pickup_latency_seconds",
        "narwhal_run_duration_seconds",
        "narwhal_log_bytes_shipped_total",
        "narwhal_runs_lost_total",
        "narwhal_runs_retried_total",
        "narwhal_autoscale_desired_runners",
    ];

    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    // PromQL words that look like identifiers without being metrics.
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
        { "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan" };

    private JsonElement _dashboard;

    [OneTimeSetUp]
    public void Load()
    {
        using var stream = File.OpenRead(RepositoryFiles.PathOf("deploy", "grafana", "narwhal-dashboard.json"));
        _dashboard = JsonDocument.Parse(stream).RootElement.Clone();
    }

    private IEnumerable<JsonElement> Panels() =>
        _dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("panels", out var inner) ? inner.EnumerateArray().Prepend(p) : [p])
            .Where(p => p.GetProperty("type").GetString() != "row");

    private IEnumerable<(string Panel, string Expr)> Expressions() =>
        Panels().SelectMany(p => p.GetProperty("targets").EnumerateArray()
            .Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)));

    [Test]
    public void Dashboard_Should_use_schema_36_or_later_and_the_DS_PROMETHEUS_data_source_everywhere()
    {
        Assert.That(_dashboard.GetProperty("schemaVersion").GetInt32(), Is.GreaterThanOrEqualTo(36));
        var variables = _dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.That(variables.Any(v => v.GetProperty("name").GetString() == "DS_PROMETHEUS" && v.GetProperty("type").GetString() == "datasource"
                                       && v.GetProperty("query").GetString() == "prometheus"), "a Prometheus data source variable DS_PROMETHEUS");
        foreach (var panel in Panels())
        {
            var title = panel.GetProperty("title").GetString();
            Assert.That(panel.GetProperty("datasource").GetProperty("uid").GetString(), Is.EqualTo("${DS_PROMETHEUS}"), title);
            Assert.That(panel.GetProperty("targets").GetArrayLength(), Is.GreaterThan(0), title);
        }
        Assert.That(Panels().Select(p => p.GetProperty("id").GetInt32()), Is.Unique);
    }

    [Test]
    public void Every_expression_Should_read_only_known_metrics()
    {
        var unknown = Expressions()
            .SelectMany(e => MetricNames(e.Expr).Select(name => (e.Panel, name)))
            .Where(x => !KnownMetrics.Contains(x.name))
            .Select(x => $"{x.Panel}: {x.name}")
            .ToList();
        var templated = _dashboard.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Where(v => v.TryGetProperty("definition", out _))
            .SelectMany(v => MetricNames(v.GetProperty("definition").GetString()!))
            .Where(n => !KnownMetrics.Contains(n));

        Assert.That(unknown.Concat(templated), Is.Empty);
    }

    [Test]
    public void Every_known_metric_Should_be_on_the_dashboard_and_still_be_created_in_src()
    {
        var onDashboard = Expressions().SelectMany(e => MetricNames(e.Expr)).ToHashSet();
        var sources = Directory.EnumerateFiles(RepositoryFiles.PathOf("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(File.ReadAllText)
            .ToList();

        Assert.Multiple(() =>
        {
            foreach (var metric in KnownMetrics)
            {
                Assert.That(onDashboard, Does.Contain(metric), $"{metric} has a panel");
                Assert.That(sources.Any(s => s.Contains($"\"{metric}\"", StringComparison.Ordinal)), $"{metric} is created somewhere in src/");
            }
        });
    }

    [Test]
    public void The_metric_name_reader_Should_skip_functions_labels_ranges_and_strings()
    {
        var names = MetricNames("histogram_quantile(0.99, sum by (le, class) (rate(narwhal_run_duration_seconds_bucket{class=~\"$class\",state!=\"x y\"}[$__rate_interval]))) or on(class) vector(0) + narwhal_runs");

        Assert.That(names, Is.EquivalentTo(new[] { "narwhal_run_duration_seconds", "narwhal_runs" }));
    }

    /// <summary>
    /// The metric names a PromQL expression reads: identifiers left after dropping strings, label
    /// matchers, ranges and grouping clauses, that are not function calls or keywords. Histogram
    /// series (_bucket, _sum, _count) count as their family's name.
    /// </summary>
    private static IEnumerable<string> MetricNames(string expr)
    {
        var stripped = StringLiteral().Replace(expr, " ");
        stripped = LabelMatchers().Replace(stripped, " ");
        stripped = Ranges().Replace(stripped, " ");
        stripped = Grouping().Replace(stripped, " ");
        stripped = LabelValuesArgs().Replace(stripped, "$1)");
        foreach (Match m in Identifier().Matches(stripped))
        {
            var name = m.Groups["name"].Value;
            if (m.Groups["call"].Success || Keywords.Contains(name.ToLowerInvariant())) continue;
            var family = HistogramSuffixes.Where(s => name.EndsWith(s, StringComparison.Ordinal))
                .Select(s => name[..^s.Length]).FirstOrDefault(KnownMetrics.Contains);
            yield return family ?? name;
        }
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")] private static partial Regex StringLiteral();
    [GeneratedRegex(@"\{[^}]*\}")] private static partial Regex LabelMatchers();
    [GeneratedRegex(@"\[[^\]]*\]")] private static partial Regex Ranges();
    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")] private static partial Regex Grouping();
    // label_values(metric, label): keep the metric, drop the label argument.
    [GeneratedRegex(@"(label_values\(\s*[a-zA-Z_:][a-zA-Z0-9_:]*)\s*,[^)]*\)")] private static partial Regex LabelValuesArgs();
    [GeneratedRegex(@"(?<![\w$.])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")] private static partial Regex Identifier();
}
