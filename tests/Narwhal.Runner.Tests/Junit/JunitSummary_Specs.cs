using Narwhal.Core.Results;
using Narwhal.Runner.Junit;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Junit.JunitXml;

namespace Narwhal.Runner.Tests.Junit;

/// <summary>A run's summary adds up its parsed reports, lists every suite with its file, caps failures, and names the files it could not read.</summary>
[TestFixture]
public sealed class JunitSummary_Specs
{
    private static async Task<JunitReport[]> AllFixturesAsync()
    {
        var files = JunitFixtures.Reports.Select(r => r.File).Concat(JunitFixtures.Malformed);
        return await Task.WhenAll(files.Select(JunitFixtures.ParseAsync));
    }

    [Test]
    public async Task When_all_real_reports_are_combined_Should_sum_the_parsed_ones_and_list_the_unparseable_ones()
    {
        var summary = JunitSummary.Combine(await AllFixturesAsync());

        var expected = JunitFixtures.Reports;
        Assert.That(
            (summary.Totals.Tests, summary.Totals.Failures, summary.Totals.Errors, summary.Totals.Skipped),
            Is.EqualTo((expected.Sum(r => r.Tests), expected.Sum(r => r.Failures), expected.Sum(r => r.Errors), expected.Sum(r => r.Skipped))));
        Assert.That(summary.Totals.Tests, Is.EqualTo(111), "the README's counted column, added up");
        Assert.That((summary.Files, summary.ParsedFiles), Is.EqualTo((13, 10)));
        Assert.That(summary.Unparseable.Select(u => u.FileName), Is.EqualTo(JunitFixtures.Malformed));
        Assert.That(summary.Unparseable.Select(u => u.Error), Is.All.Not.Empty);
    }

    [Test]
    public async Task When_failures_fit_under_the_cap_Should_list_them_all_in_file_order()
    {
        var summary = JunitSummary.Combine(await AllFixturesAsync());

        Assert.That(summary.Failures, Has.Count.EqualTo(28 + 7), "failing plus errored cases; no fixture case has both");
        Assert.That(summary.FailuresTruncated, Is.False);
        Assert.That(summary.Failures[0].Name, Is.EqualTo("test_rsh_events"));
    }

    [Test]
    public async Task When_failures_exceed_the_cap_Should_keep_the_first_ones_and_flag_the_list()
    {
        var summary = JunitSummary.Combine(await AllFixturesAsync(), maxFailures: 5);

        Assert.That(summary.Failures, Has.Count.EqualTo(5));
        Assert.That(summary.FailuresTruncated, Is.True);
        Assert.That(summary.Totals.Failures, Is.EqualTo(28), "the totals still count every failure");
    }

    [Test]
    public async Task When_a_report_dropped_failures_itself_Should_flag_the_summary_too()
    {
        var cases = Enumerable.Range(0, JunitLimits.MaxFailuresPerReport + 1).Select(i => Case($"t{i}", content: Failure())).ToArray();
        var report = await ParseAsync(Suites(Suite("s", cases)));

        var summary = JunitSummary.Combine([report], maxFailures: int.MaxValue);

        Assert.That(summary.FailuresTruncated, Is.True);
    }

    [Test]
    public async Task When_suites_come_from_several_files_Should_list_each_with_its_file()
    {
        var a = await ParseAsync(Suites(Suite("same", Case("x", "1")), Suite("other", Case("y"))), "a.xml");
        var b = await ParseAsync(Suite("same", Case("z", "2", content: Skipped())), "b.xml");

        var summary = JunitSummary.Combine([a, b]);

        Assert.That(summary.Suites, Is.EqualTo(new[]
        {
            new JunitSummarySuite("a.xml", "same", new JunitTotals(1, 0, 0, 0, 1)),
            new JunitSummarySuite("a.xml", "other", new JunitTotals(1, 0, 0, 0, null)),
            new JunitSummarySuite("b.xml", "same", new JunitTotals(1, 0, 0, 1, 2)),
        }));
        Assert.That(summary.Totals, Is.EqualTo(new JunitTotals(3, 0, 0, 1, 3)));
    }

    [Test]
    public async Task When_suites_exceed_the_cap_Should_keep_the_first_ones_and_flag_the_list()
    {
        var report = await ParseAsync(Suites(Suite("a", Case("x")), Suite("b", Case("y")), Suite("c", Case("z"))));

        var summary = JunitSummary.Combine([report], maxSuites: 2);

        Assert.That(summary.Suites.Select(s => s.Name), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(summary.SuitesTruncated, Is.True);
        Assert.That(summary.Totals.Tests, Is.EqualTo(3));
    }

    [Test]
    public async Task When_no_report_could_be_parsed_Should_have_empty_totals_and_every_error()
    {
        var broken = await ParseAsync("<testsuites>", "broken.xml");

        var summary = JunitSummary.Combine([broken]);

        Assert.That(summary.Totals, Is.EqualTo(JunitTotals.Empty));
        Assert.That(summary.Unparseable, Is.EqualTo(new[] { new JunitUnparseableFile("broken.xml", broken.Error!) }));
        Assert.That((summary.Files, summary.ParsedFiles), Is.EqualTo((1, 0)));
    }

    [Test]
    public void When_nothing_is_combined_Should_give_an_empty_summary()
    {
        var summary = JunitSummary.Combine([]);

        Assert.That(summary.Totals, Is.EqualTo(JunitTotals.Empty));
        Assert.That(summary.Suites, Is.Empty);
        Assert.That(summary.Failures, Is.Empty);
        Assert.That(summary.Unparseable, Is.Empty);
    }
}
