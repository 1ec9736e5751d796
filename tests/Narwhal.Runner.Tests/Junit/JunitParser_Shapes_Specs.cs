using Narwhal.Core.Results;
using Narwhal.Runner.Junit;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Junit.JunitXml;

namespace Narwhal.Runner.Tests.Junit;

/// <summary>
/// What gets counted when a report's shape or attributes are unusual: stated totals are ignored, missing attributes
/// are not zeros, and only result elements directly inside a case count.
/// </summary>
[TestFixture]
public sealed class JunitParser_Shapes_Specs
{
    [Test]
    public async Task When_the_stated_totals_disagree_with_the_content_Should_count_the_content()
    {
        const string xml = """<testsuites tests="99" failures="0"><testsuite name="s" tests="1" failures="7" errors="3" skipped="2"><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite></testsuites>""";

        var report = await ParseAsync(xml);

        Assert.That(report.Totals, Is.EqualTo(new JunitTotals(2, 1, 0, 0, null)));
    }

    [Test]
    public async Task When_no_case_has_a_time_Should_have_no_time_rather_than_zero()
    {
        var report = await ParseAsync(Suites(Suite("s", Case("a"), Case("b"))));

        Assert.That(report.Totals.TimeSeconds, Is.Null);
        Assert.That(report.Suites.Single().Totals.TimeSeconds, Is.Null);
    }

    [TestCase("0.25", 0.25)]
    [TestCase(" 2.5 ", 2.5)]
    [TestCase("1e-3", 0.001)]
    [TestCase("1,234.5", 1234.5)]
    [TestCase("12,345", 12345.0)]
    public async Task When_a_time_reads_as_seconds_Should_count_it(string time, double seconds)
    {
        var report = await ParseAsync(Suites(Suite("s", Case("a", time), Case("b", "1"))));

        Assert.That(report.Totals.TimeSeconds, Is.EqualTo(seconds + 1).Within(1e-9));
    }

    [TestCase("")]
    [TestCase("abc")]
    [TestCase("0,5")]
    [TestCase("1,23.4")]
    [TestCase("-1")]
    [TestCase("NaN")]
    [TestCase("Infinity")]
    [TestCase("1e999")]
    public async Task When_a_time_does_not_read_as_seconds_Should_ignore_it(string time)
    {
        var report = await ParseAsync(Suites(Suite("s", Case("a", time), Case("b", "1.5"))));

        Assert.That(report.Totals.TimeSeconds, Is.EqualTo(1.5));
        Assert.That(report.Totals.Tests, Is.EqualTo(2));
    }

    [Test]
    public async Task When_a_case_has_a_failure_an_error_and_a_skip_Should_count_it_in_each_and_list_it_once_by_its_first()
    {
        var xml = Suites(Suite("s", Case("a", content: [Error("first", type: "E"), Failure("second"), Skipped()])));

        var report = await ParseAsync(xml);

        Assert.That(report.Totals, Is.EqualTo(new JunitTotals(1, 1, 1, 1, null)));
        var failure = report.Failures.Single();
        Assert.That((failure.Kind, failure.Message, failure.Type), Is.EqualTo((JunitFailure.ErrorKind, "first", "E")));
    }

    [Test]
    public async Task When_result_elements_are_not_directly_in_a_case_Should_not_count_them()
    {
        const string xml = """<testsuites><testsuite name="s"><failure/><testcase name="a"><properties><skipped/><failure/></properties><flakyFailure/><rerunError/></testcase></testsuite></testsuites>""";

        var report = await ParseAsync(xml);

        Assert.That(report.Totals, Is.EqualTo(new JunitTotals(1, 0, 0, 0, null)));
        Assert.That(report.Failures, Is.Empty);
    }

    [Test]
    public async Task When_the_root_is_a_single_testsuite_Should_name_the_suite_after_it()
    {
        var report = await ParseAsync(Suite("only", Case("a", className: "C", content: Failure(text: "\n\n   first line  \nsecond"))));

        var failure = report.Failures.Single();
        Assert.That((failure.Suite, failure.ClassName, failure.Message), Is.EqualTo(("only", "C", "first line")));
        Assert.That(report.Suites.Single().Name, Is.EqualTo("only"));
    }

    [Test]
    public async Task When_cases_sit_directly_under_testsuites_or_lack_names_Should_count_them_as_unnamed()
    {
        const string xml = """<testsuites name="run"><testcase><error message="x"/></testcase><testsuite name="  "><testcase name="b"/></testsuite></testsuites>""";

        var report = await ParseAsync(xml);

        Assert.That(report.Totals.Tests, Is.EqualTo(2));
        Assert.That(report.Suites.Select(s => s.Name), Is.All.EqualTo(JunitLimits.UnnamedSuite));
        Assert.That(report.Failures.Single().Name, Is.EqualTo(JunitLimits.UnnamedCase));
    }

    [Test]
    public async Task When_a_report_is_empty_of_cases_Should_parse_with_zero_counts_and_no_suites()
    {
        var report = await ParseAsync("<testsuites/>");

        Assert.That(report.Parsed, Is.True);
        Assert.That(report.Totals, Is.EqualTo(JunitTotals.Empty));
        Assert.That(report.Suites, Is.Empty);
    }

    [Test]
    public async Task When_elements_carry_a_namespace_Should_match_them_by_local_name()
    {
        const string xml = """<j:testsuites xmlns:j="urn:x"><j:testsuite name="s"><j:testcase name="a"><j:skipped/></j:testcase></j:testsuite></j:testsuites>""";

        var report = await ParseAsync(xml);

        Assert.That(report.Totals, Is.EqualTo(new JunitTotals(1, 0, 0, 1, null)));
    }
}
