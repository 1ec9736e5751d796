using System.Diagnostics.Metrics;
using Narwhal.Core.Metrics;
using NUnit.Framework;
using static Narwhal.Testing.Metrics.PrometheusTextParser;

namespace Narwhal.Core.Tests.Metrics;

/// <summary>
/// The collector against real Meters: each instrument kind renders with its Prometheus type and
/// aggregation, the text passes a strict reader of the format, and names, labels and HELP are
/// sanitised and escaped. Each test uses a Meter prefix of its own, so parallel tests do not mix
/// (and not "Narwhal", which the endpoint specs' collector listens to).
/// </summary>
[TestFixture]
public sealed class PrometheusCollector_Specs
{
    private string _prefix = null!;
    private Meter _meter = null!;
    private PrometheusCollector _collector = null!;

    [SetUp]
    public void NewMeterAndCollector()
    {
        _prefix = $"Tests.Metrics.{Guid.NewGuid():N}";
        _meter = new Meter(_prefix + ".Api");
        _collector = new PrometheusCollector(new PrometheusCollectorOptions { MeterPrefix = _prefix });
    }

    [TearDown]
    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    private Exposition Scrape() => Parse(_collector.Scrape());

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    [Test]
    public void When_every_instrument_kind_records_Should_render_each_with_its_type_and_aggregate()
    {
        var shipped = _meter.CreateCounter<long>("narwhal_log_bytes_shipped_total", "By", "Log bytes shipped to storage.");
        shipped.Add(100, Tag("class", "small"));
        shipped.Add(50, Tag("class", "small"));
        shipped.Add(7, Tag("class", "large"));
        var running = _meter.CreateUpDownCounter<int>("narwhal_runs_in_progress", null, "Runs executing now.");
        running.Add(3);
        running.Add(-1);
        var temperature = _meter.CreateGauge<double>("narwhal_test_gauge", null, "A synchronous gauge.");
        temperature.Record(1.5);
        temperature.Record(2.5);
        _meter.CreateObservableGauge("narwhal_queue_depth", () => new[]
        {
            new Measurement<long>(4, Tag("class", "small"), Tag("state", "ready")),
            new Measurement<long>(1, Tag("class", "small"), Tag("state", "unacked")),
        }, null, "Messages in the run queue of each class.");
        _meter.CreateObservableCounter("narwhal_test_observed_total", () => 42L, null, "An observable counter.");
        _meter.CreateObservableUpDownCounter("narwhal_test_observed_updown", () => -3, null, "An observable up-down counter.");
        var duration = _meter.CreateHistogram<double>("narwhal_run_duration_seconds", "s", "Run duration.");
        duration.Record(0.3);

        var metrics = Scrape();

        Assert.Multiple(() =>
        {
            Assert.That(metrics["narwhal_log_bytes_shipped_total"].Type, Is.EqualTo("counter"));
            Assert.That(metrics["narwhal_log_bytes_shipped_total"].Help, Is.EqualTo("Log bytes shipped to storage."));
            Assert.That(ValueOf(metrics, "narwhal_log_bytes_shipped_total", ("class", "small")), Is.EqualTo(150));
            Assert.That(ValueOf(metrics, "narwhal_log_bytes_shipped_total", ("class", "large")), Is.EqualTo(7));
            Assert.That(metrics["narwhal_runs_in_progress"].Type, Is.EqualTo("gauge"));
            Assert.That(ValueOf(metrics, "narwhal_runs_in_progress"), Is.EqualTo(2));
            Assert.That(metrics["narwhal_test_gauge"].Type, Is.EqualTo("gauge"));
            Assert.That(ValueOf(metrics, "narwhal_test_gauge"), Is.EqualTo(2.5));
            Assert.That(metrics["narwhal_queue_depth"].Type, Is.EqualTo("gauge"));
            Assert.That(ValueOf(metrics, "narwhal_queue_depth", ("class", "small"), ("state", "ready")), Is.EqualTo(4));
            Assert.That(ValueOf(metrics, "narwhal_queue_depth", ("class", "small"), ("state", "unacked")), Is.EqualTo(1));
            Assert.That(metrics["narwhal_test_observed_total"].Type, Is.EqualTo("counter"));
            Assert.That(ValueOf(metrics, "narwhal_test_observed_total"), Is.EqualTo(42));
            Assert.That(metrics["narwhal_test_observed_updown"].Type, Is.EqualTo("gauge"));
            Assert.That(ValueOf(metrics, "narwhal_test_observed_updown"), Is.EqualTo(-3));
            Assert.That(metrics["narwhal_run_duration_seconds"].Type, Is.EqualTo("histogram"));
        });
    }

    [Test]
    public void When_a_histogram_records_Should_render_cumulative_buckets_with_Inf_equal_to_count_and_the_sum()
    {
        var duration = _meter.CreateHistogram<double>("narwhal_run_duration_seconds", "s", "Run duration.");
        double[] values = [0.001, 0.005, 0.3, 0.3, 7, 599, 600, 601, 5000];
        foreach (var v in values) duration.Record(v, Tag("class", "small"));

        var family = Scrape()["narwhal_run_duration_seconds"];
        var buckets = family.Samples.Where(s => s.Name == "narwhal_run_duration_seconds_bucket").ToList();
        var bounds = buckets.Select(b => ParseFloat(b.Label("le"), "le")).ToList();
        var count = family.Samples.Single(s => s.Name == "narwhal_run_duration_seconds_count").Value;
        var sum = family.Samples.Single(s => s.Name == "narwhal_run_duration_seconds_sum").Value;

        Assert.Multiple(() =>
        {
            Assert.That(bounds, Is.EqualTo(HistogramBuckets.DefaultSeconds.Append(double.PositiveInfinity)), "default bounds, +Inf last");
            Assert.That(buckets.Select(b => b.Value), Is.Ordered, "cumulative");
            for (var i = 0; i < bounds.Count; i++)
                Assert.That(buckets[i].Value, Is.EqualTo(values.Count(v => v <= bounds[i])), $"le={bounds[i]} counts values <= its bound");
            Assert.That(buckets[^1].Value, Is.EqualTo(count), "+Inf equals _count");
            Assert.That(count, Is.EqualTo(values.Length));
            Assert.That(sum, Is.EqualTo(values.Sum()).Within(1e-9));
            Assert.That(buckets.All(b => b.Label("class") == "small"));
        });
    }

    [Test]
    public void When_a_histogram_advises_bucket_boundaries_Should_use_them()
    {
        var sizes = _meter.CreateHistogram("narwhal_test_chunk_bytes", "By", "Chunk sizes.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1024, 65536] });
        sizes.Record(10);
        sizes.Record(70000);

        var buckets = Scrape()["narwhal_test_chunk_bytes"].Samples.Where(s => s.Name.EndsWith("_bucket")).ToList();

        Assert.That(buckets.Select(b => b.Label("le")), Is.EqualTo(new[] { "1024", "65536", "+Inf" }));
        Assert.That(buckets.Select(b => b.Value), Is.EqualTo(new[] { 1d, 1d, 2d }));
    }

    [Test]
    public void When_labels_and_help_hold_special_characters_Should_escape_them_so_they_read_back_unchanged()
    {
        const string nasty = "back\\slash \"quoted\"\nnew line";
        var counter = _meter.CreateCounter<long>("narwhal_test_escapes_total", null, "Help with a \\ backslash,\na line feed and \"quotes\".");
        counter.Add(1, Tag("branch", nasty));

        var text = _collector.Scrape();
        var family = Parse(text)["narwhal_test_escapes_total"];

        Assert.Multiple(() =>
        {
            Assert.That(family.Samples.Single().Label("branch"), Is.EqualTo(nasty));
            Assert.That(family.Help, Is.EqualTo("Help with a \\ backslash,\na line feed and \"quotes\"."));
            Assert.That(text, Does.Contain("branch=\"back\\\\slash \\\"quoted\\\"\\nnew line\""));
            Assert.That(text, Does.Contain("# HELP narwhal_test_escapes_total Help with a \\\\ backslash,\\na line feed and \"quotes\".\n"));
        });
    }

    [Test]
    public void When_names_hold_dots_dashes_or_leading_digits_Should_sanitise_metric_and_label_names()
    {
        var counter = _meter.CreateCounter<int>("narwhal.test-dotted.total");
        counter.Add(1, Tag("resource.class", "small"), Tag("9lives", "yes"), Tag("ok_name", true));

        var family = Scrape()["narwhal_test_dotted_total"];
        var sample = family.Samples.Single();

        Assert.That(sample.Labels.Keys, Is.EquivalentTo(new[] { "resource_class", "_9lives", "ok_name" }));
        Assert.That(sample.Label("ok_name"), Is.EqualTo("true"));
        Assert.That(family.Help, Is.Null, "no description, no HELP line");
    }

    [Test]
    public void When_a_histogram_measurement_has_an_le_tag_Should_rename_it_so_the_bucket_label_stays_unique()
    {
        _meter.CreateHistogram<double>("narwhal_test_le_seconds").Record(1, Tag("le", "mine"));

        var bucket = Scrape()["narwhal_test_le_seconds"].Samples.First();

        Assert.That(bucket.Label("le_"), Is.EqualTo("mine"));
    }

    [Test]
    public void When_scraped_twice_without_changes_Should_render_identical_text_in_name_and_label_order()
    {
        var b = _meter.CreateCounter<long>("narwhal_b_total");
        var a = _meter.CreateCounter<long>("narwhal_a_total");
        foreach (var cls in new[] { "medium", "large", "small" }) b.Add(1, Tag("class", cls), Tag("aaa", "x"));
        a.Add(1);

        var first = _collector.Scrape();
        var second = _collector.Scrape();
        var parsed = Parse(first);

        Assert.That(second, Is.EqualTo(first));
        var ours = parsed.FamilyOrder.Where(n => n.StartsWith("narwhal_a") || n.StartsWith("narwhal_b")).ToList();
        Assert.That(ours, Is.EqualTo(new[] { "narwhal_a_total", "narwhal_b_total" }));
        Assert.That(parsed["narwhal_b_total"].Samples.Select(s => s.Label("class")), Is.EqualTo(new[] { "large", "medium", "small" }));
    }

    [Test]
    public void When_an_observable_stops_reporting_a_label_set_Should_drop_that_series()
    {
        var classes = new List<string> { "small", "large" };
        _meter.CreateObservableGauge("narwhal_queue_depth", () => classes.Select(c => new Measurement<int>(1, Tag("class", c))));

        var before = Scrape()["narwhal_queue_depth"].Samples.Select(s => s.Label("class")).ToList();
        classes.Remove("large");
        var after = Scrape()["narwhal_queue_depth"].Samples.Select(s => s.Label("class")).ToList();

        Assert.That(before, Is.EqualTo(new[] { "large", "small" }));
        Assert.That(after, Is.EqualTo(new[] { "small" }));
    }

    [Test]
    public void When_an_observable_callback_throws_Should_render_the_rest_and_count_the_failure()
    {
        Func<int> broken = () => throw new InvalidOperationException("database down");
        _meter.CreateObservableGauge("narwhal_test_broken", broken);
        _meter.CreateObservableGauge("narwhal_test_fine", () => 1);

        var metrics = Scrape();

        Assert.That(ValueOf(metrics, "narwhal_test_fine"), Is.EqualTo(1));
        Assert.That(metrics.Families.ContainsKey("narwhal_test_broken"), Is.False);
        Assert.That(ValueOf(metrics, "narwhal_metrics_observation_errors_total"), Is.EqualTo(1));
    }

    [Test]
    public void When_a_counter_gets_a_negative_increment_Should_ignore_it_so_the_counter_never_falls()
    {
        var counter = _meter.CreateCounter<long>("narwhal_test_monotonic_total");
        counter.Add(5);
        counter.Add(-3);

        Assert.That(ValueOf(Scrape(), "narwhal_test_monotonic_total"), Is.EqualTo(5));
    }

    [Test]
    public void When_meters_are_outside_the_prefix_or_disposed_Should_export_only_live_matching_ones()
    {
        using var foreign = new Meter($"Other.{Guid.NewGuid():N}");
        foreign.CreateCounter<long>("foreign_total").Add(1);
        var second = new Meter(_prefix + ".Runner");
        second.CreateCounter<long>("narwhal_test_second_total").Add(1);

        var before = Scrape();
        second.Dispose();
        var after = Scrape();

        Assert.That(before.Families.ContainsKey("foreign_total"), Is.False);
        Assert.That(before.Families.ContainsKey("narwhal_test_second_total"), Is.True);
        Assert.That(after.Families.ContainsKey("narwhal_test_second_total"), Is.False);
    }

    [Test]
    public void When_two_meters_create_the_same_instrument_Should_merge_them_into_one_family()
    {
        using var other = new Meter(_prefix + ".Dispatcher");
        _meter.CreateCounter<long>("narwhal_test_shared_total").Add(2);
        other.CreateCounter<long>("narwhal_test_shared_total").Add(3);
        other.CreateHistogram<double>("narwhal_test_shared_total").Record(1);   // another kind: not exported

        var family = Scrape()["narwhal_test_shared_total"];

        Assert.That(family.Type, Is.EqualTo("counter"));
        Assert.That(family.Samples.Single().Value, Is.EqualTo(5));
    }

    [Test]
    public async Task When_recording_on_many_threads_while_scraping_Should_stay_valid_consistent_and_monotonic()
    {
        var counter = _meter.CreateCounter<long>("narwhal_test_concurrent_total");
        var histogram = _meter.CreateHistogram<double>("narwhal_test_concurrent_seconds");
        var gauge = _meter.CreateUpDownCounter<long>("narwhal_test_concurrent_inflight");
        const int writers = 4, perWriter = 20_000;
        using var start = new Barrier(writers + 1);

        var writing = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < perWriter; i++)
            {
                var cls = i % 3 == 0 ? "large" : "small";
                counter.Add(1, Tag("class", cls), Tag("writer", w));
                histogram.Record(i % 700, Tag("class", cls));
                gauge.Add(1);
                gauge.Add(-1);
            }
        })).ToArray();

        var scrapes = 0;
        var last = new Dictionary<string, double>();
        start.SignalAndWait();
        while (!writing.All(t => t.IsCompleted) || scrapes == 0)
        {
            var metrics = Scrape();   // throws on any malformed line
            scrapes++;
            if (metrics.Families.TryGetValue("narwhal_test_concurrent_total", out var family))
            {
                foreach (var sample in family.Samples)
                {
                    var key = sample.Label("class") + "/" + sample.Label("writer");
                    Assert.That(sample.Value, Is.GreaterThanOrEqualTo(last.GetValueOrDefault(key)), $"counter {key} went down");
                    last[key] = sample.Value;
                }
            }
            if (metrics.Families.TryGetValue("narwhal_test_concurrent_seconds", out var hist))
            {
                foreach (var group in hist.Samples.GroupBy(s => s.Labels.GetValueOrDefault("class")))
                {
                    var buckets = group.Where(s => s.Name.EndsWith("_bucket")).Select(s => s.Value).ToList();
                    Assert.That(buckets, Is.Ordered, "buckets stay cumulative");
                    Assert.That(buckets[^1], Is.EqualTo(group.Single(s => s.Name.EndsWith("_count")).Value), "+Inf equals _count in every scrape");
                }
            }
        }
        await Task.WhenAll(writing);

        var final = Scrape();
        Assert.That(final["narwhal_test_concurrent_total"].Samples.Sum(s => s.Value), Is.EqualTo(writers * perWriter));
        Assert.That(final["narwhal_test_concurrent_seconds"].Samples.Where(s => s.Name.EndsWith("_count")).Sum(s => s.Value), Is.EqualTo(writers * perWriter));
        Assert.That(ValueOf(final, "narwhal_test_concurrent_inflight"), Is.EqualTo(0));
        Assert.That(scrapes, Is.GreaterThan(0));
    }

    private static double ValueOf(Exposition metrics, string name, params (string Name, string Value)[] labels) =>
        metrics[name].Samples.Single(s => s.Name == name && s.Labels.Count == labels.Length
            && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Value;
}
