using System.Text;
using Narwhal.Core.Results;
using Narwhal.Runner.Junit;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Junit.JunitXml;

namespace Narwhal.Runner.Tests.Junit;

/// <summary>
/// Hostile or runaway reports cost bounded memory: text, messages, failures and suites kept per file are capped, deep
/// nesting is refused, and every case is still counted.
/// </summary>
[TestFixture]
public sealed class JunitParser_Limits_Specs
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    [Test]
    public async Task When_failure_text_and_output_are_huge_Should_keep_at_most_4_KiB()
    {
        var xml = Suites(Suite("s", Case("a", content:
        [
            Failure(message: new string('m', 100_000), text: new string('x', 5_000_000), type: new string('t', 5_000)),
            SystemOut(new string('o', 1_000_000)),
        ])));

        var failure = (await ParseAsync(xml)).Failures.Single();

        Assert.That(Encoding.UTF8.GetByteCount(failure.Output!), Is.LessThanOrEqualTo(JunitLimits.MaxOutputBytes));
        Assert.That(failure.Output, Does.StartWith("xxxx").And.EndWith("…"));
        Assert.That(Encoding.UTF8.GetByteCount(failure.Message!), Is.LessThanOrEqualTo(JunitLimits.MaxMessageBytes));
        Assert.That(Encoding.UTF8.GetByteCount(failure.Type!), Is.LessThanOrEqualTo(JunitLimits.MaxMessageBytes));
    }

    [Test]
    public async Task When_capped_text_is_multi_byte_Should_stay_within_the_byte_cap_and_never_split_a_character()
    {
        var xml = Suites(Suite("s", Case(new string('ñ', 2_000), content:
        [
            Failure(message: string.Concat(Enumerable.Repeat("😋", 1_000)), text: string.Concat(Enumerable.Repeat("ñ😋", 3_000))),
        ])));

        var failure = (await ParseAsync(xml)).Failures.Single();

        foreach (var (text, cap) in new[] { (failure.Output!, JunitLimits.MaxOutputBytes), (failure.Message!, JunitLimits.MaxMessageBytes), (failure.Name, JunitLimits.MaxNameBytes) })
        {
            Assert.That(Encoding.UTF8.GetByteCount(text), Is.LessThanOrEqualTo(cap).And.GreaterThan(cap - 8));
            Assert.That(() => StrictUtf8.GetBytes(text), Throws.Nothing, "a surrogate pair was cut in half");
        }
    }

    [Test]
    public async Task When_failure_text_is_long_Should_keep_its_first_20_lines()
    {
        var text = string.Join('\n', Enumerable.Range(1, 30).Select(i => $"line {i}"));

        var failure = (await ParseAsync(Suites(Suite("s", Case("a", content: Failure(text: text)))))).Failures.Single();

        Assert.That(failure.Output, Is.EqualTo(string.Join('\n', Enumerable.Range(1, 20).Select(i => $"line {i}")) + "\n…"));
    }

    [Test]
    public async Task When_a_case_has_output_Should_follow_the_failure_text_with_system_out_and_system_err()
    {
        var xml = Suites(Suite("s",
            SystemOut("suite-level output"),
            Case("a", content: [SystemOut("printed"), Failure("boom", "trace"), SystemErr("warned")])));

        var failure = (await ParseAsync(xml)).Failures.Single();

        Assert.That(failure.Output, Is.EqualTo("trace\n--- system-out ---\nprinted\n--- system-err ---\nwarned"));
    }

    [Test]
    public async Task When_a_file_has_more_failures_than_kept_Should_count_them_all_and_flag_the_list()
    {
        var failing = JunitLimits.MaxFailuresPerReport + 5;
        var cases = Enumerable.Range(0, failing).Select(i => Case($"t{i}", content: Failure("no"))).ToArray();

        var report = await ParseAsync(Suites(Suite("s", cases)));

        Assert.That(report.Totals.Failures, Is.EqualTo(failing));
        Assert.That(report.Failures, Has.Count.EqualTo(JunitLimits.MaxFailuresPerReport));
        Assert.That(report.FailuresTruncated, Is.True);
        Assert.That(report.Failures[^1].Name, Is.EqualTo($"t{JunitLimits.MaxFailuresPerReport - 1}"), "the first ones are kept");
    }

    [Test]
    public async Task When_a_file_has_more_suites_than_listed_Should_count_the_rest_together()
    {
        var count = JunitLimits.MaxSuitesPerReport + 3;
        var suites = Enumerable.Range(0, count).Select(i => Suite($"s{i}", Case("a"))).ToArray();

        var report = await ParseAsync(Suites(suites));

        Assert.That(report.Suites, Has.Count.EqualTo(JunitLimits.MaxSuitesPerReport + 1));
        Assert.That(report.Suites[^1], Is.EqualTo(new JunitSuite(JunitLimits.OtherSuites, new JunitTotals(3, 0, 0, 0, null))));
        Assert.That(report.Suites.Sum(s => s.Totals.Tests), Is.EqualTo(count));
    }

    [Test]
    public async Task When_elements_nest_deeper_than_the_limit_Should_report_it_unparseable()
    {
        var depth = JunitLimits.MaxDepth + 10;
        var xml = "<testsuites>" + string.Concat(Enumerable.Repeat("<testsuite>", depth)) + string.Concat(Enumerable.Repeat("</testsuite>", depth)) + "</testsuites>";

        var report = await ParseAsync(xml);

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.Error, Does.StartWith($"Elements are nested more than {JunitLimits.MaxDepth} deep.").And.Contain("Line 1, position"));
    }

    [Test]
    public async Task When_elements_nest_just_within_the_limit_Should_count_the_case()
    {
        var suites = JunitLimits.MaxDepth - 2; // root, suites, then the case at depth MaxDepth - 1
        var xml = "<testsuites>" + string.Concat(Enumerable.Repeat("<testsuite name=\"deep\">", suites)) + "<testcase name=\"a\"/>" + string.Concat(Enumerable.Repeat("</testsuite>", suites)) + "</testsuites>";

        var report = await ParseAsync(xml);

        Assert.That(report.Parsed, Is.True, report.Error);
        Assert.That(report.Totals.Tests, Is.EqualTo(1));
    }
}
