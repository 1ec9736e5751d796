using Narwhal.Core.Results;
using Narwhal.Runner.Junit;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Junit;

/// <summary>
/// Real reports from pytest, Surefire, jest, go-junit-report, the .NET JUnit logger, PHPUnit and hand-written edge cases:
/// the parser counts exactly what each contains (the README's "counted" numbers), whatever totals the file states.
/// </summary>
[TestFixture]
public sealed class JunitParser_Fixtures_Specs
{
    private static IEnumerable<TestCaseData> Counts() =>
        JunitFixtures.Reports.Select(r => new TestCaseData(r.File, r.Tests, r.Failures, r.Errors, r.Skipped).SetArgDisplayNames(r.File));

    private static IEnumerable<TestCaseData> Files() =>
        JunitFixtures.Reports.Select(r => new TestCaseData(r.File).SetArgDisplayNames(r.File));

    [Test]
    public void When_the_fixture_folder_is_listed_Should_have_expected_counts_for_every_report_in_it()
    {
        var known = JunitFixtures.Reports.Select(r => r.File).Concat(JunitFixtures.Malformed);

        Assert.That(JunitFixtures.AllFiles(), Is.EquivalentTo(known), "a fixture was added or removed: update the expected counts");
    }

    [TestCaseSource(nameof(Counts))]
    public async Task When_a_real_report_is_parsed_Should_count_exactly_the_cases_it_contains(string file, int tests, int failures, int errors, int skipped)
    {
        var report = await JunitFixtures.ParseAsync(file);

        Assert.That(report.Parsed, Is.True, report.Error);
        Assert.That(report.Error, Is.Null);
        Assert.That(report.FileName, Is.EqualTo(file));
        Assert.That(
            (report.Totals.Tests, report.Totals.Failures, report.Totals.Errors, report.Totals.Skipped),
            Is.EqualTo((tests, failures, errors, skipped)));
    }

    [TestCaseSource(nameof(Files))]
    public async Task When_a_real_report_is_parsed_Should_list_suites_that_add_up_to_its_totals(string file)
    {
        var report = await JunitFixtures.ParseAsync(file);

        Assert.That(report.Suites, Is.Not.Empty);
        Assert.That(report.Suites.Sum(s => s.Totals.Tests), Is.EqualTo(report.Totals.Tests));
        Assert.That(report.Suites.Sum(s => s.Totals.Failures), Is.EqualTo(report.Totals.Failures));
        Assert.That(report.Suites.Sum(s => s.Totals.Errors), Is.EqualTo(report.Totals.Errors));
        Assert.That(report.Suites.Sum(s => s.Totals.Skipped), Is.EqualTo(report.Totals.Skipped));
        Assert.That(report.Failures, Has.Count.EqualTo(report.Totals.Failures + report.Totals.Errors), "no fixture has a case with both");
    }

    [Test]
    public async Task When_a_pytest_case_fails_Should_carry_its_suite_class_name_and_message()
    {
        var report = await JunitFixtures.ParseAsync("pytest/enricomi-junit.fail.xml");

        var failure = report.Failures.Single();
        Assert.That(failure.Suite, Is.EqualTo("pytest"));
        Assert.That(failure.ClassName, Is.EqualTo("test.test_spark.SparkTests"));
        Assert.That(failure.Name, Is.EqualTo("test_rsh_events"));
        Assert.That(failure.Kind, Is.EqualTo(JunitFailure.FailureKind));
        Assert.That(failure.Message, Does.StartWith("self = <test_spark.SparkTests testMethod=test_rsh_events>"));
        Assert.That(failure.Message, Does.EndWith("E   AssertionError: 143 != 0"));
        Assert.That(failure.Type, Is.Null);
        Assert.That(failure.Output, Does.StartWith("self = <test_spark.SparkTests testMethod=test_rsh_events>\n"));
        Assert.That(failure.Output, Does.Contain("E AssertionError: 143 != 0"));
    }

    [Test]
    public async Task When_cases_have_times_Should_sum_them()
    {
        var pytest = await JunitFixtures.ParseAsync("pytest/enricomi-junit.fail.xml");
        var testmo = await JunitFixtures.ParseAsync("reference/testmo-junit-complete.xml");

        Assert.That(pytest.Totals.TimeSeconds, Is.EqualTo(6.435 + 0.001 + 6.417 + 7.541 + 1.514).Within(1e-9));
        Assert.That(testmo.Totals.TimeSeconds, Is.EqualTo(16.082687).Within(1e-9));
    }

    [Test]
    public async Task When_surefire_reports_errors_Should_keep_kind_type_and_non_ascii_messages()
    {
        var report = await JunitFixtures.ParseAsync("maven-surefire/TEST-action.surefire.report.email.EmailAddressTest.xml");

        var hostNames = report.Failures.Single(f => f.Name == "shouldNotContainInternationalizedHostNames");
        Assert.That(hostNames.Kind, Is.EqualTo(JunitFailure.ErrorKind));
        Assert.That(hostNames.Message, Is.EqualTo("Invalid email address 'user@ñandú.com.ar'"));
        Assert.That(hostNames.Type, Is.EqualTo("action.surefire.report.email.InvalidEmailAddressException"));
        Assert.That(report.Failures.Single(f => f.Name == "shouldBeStricterThanRfc2821").Message, Is.EqualTo("Invalid email address 😋 'Abc\\@def@example.com'"));
        Assert.That(report.Failures.Count(f => f.Kind == JunitFailure.FailureKind), Is.EqualTo(2));
        Assert.That(report.Failures.Count(f => f.Kind == JunitFailure.ErrorKind), Is.EqualTo(5));
    }

    [Test]
    public async Task When_a_failure_has_no_message_attribute_Should_use_the_first_line_of_its_text()
    {
        var report = await JunitFixtures.ParseAsync("jest/dorny-jest-junit.xml");

        var failing = report.Failures.Single(f => f.Name == "Failing test");
        Assert.That(failing.Message, Is.EqualTo("Error: expect(received).toBeTruthy()"));
        Assert.That(failing.ClassName, Is.EqualTo("Test 1 › Test 1.1"));
        Assert.That(failing.Suite, Is.EqualTo(@"__tests__\main.test.js"));
        Assert.That(failing.Output, Does.Contain("at Object.<anonymous> (C:\\Users\\Michal"));
        Assert.That(report.Failures.Single(f => f.Name == "Timeout test").ClassName, Is.Null, "classname=\"\" is no class");
    }

    [Test]
    public async Task When_failure_text_is_cdata_Should_keep_it_in_the_output()
    {
        var report = await JunitFixtures.ParseAsync("go-junit-report/001-report.xml");

        var failure = report.Failures.Single();
        Assert.That((failure.Suite, failure.ClassName, failure.Name, failure.Message), Is.EqualTo(("package/fail", "package/fail", "TestOne", "Failed")));
        Assert.That(failure.Output, Does.StartWith("fail_test.go:6: Error message\n    fail_test.go:7: Longer"));
        Assert.That(report.Suites.Select(s => s.Name), Is.EqualTo(new[] { "package/pass", "package/fail", "package/skip" }));
    }

    [Test]
    public async Task When_suites_are_nested_Should_list_each_suite_with_only_its_direct_cases()
    {
        var report = await JunitFixtures.ParseAsync("edge-cases/testsuite-in-testsuite.xml");

        Assert.That(report.Suites.Select(s => (s.Name, s.Totals.Tests)), Is.EqualTo(new[]
        {
            ("TestSuite1", 2),
            ("TestSuite2.1", 1),
            ("TestSuite2", 1),
            ("Project Test Suite", 1),
        }));
        Assert.That(report.Suites.Single(s => s.Name == "TestSuite2.1").Totals.TimeSeconds, Is.EqualTo(1.088170).Within(1e-9));
    }

    [Test]
    public async Task When_phpunit_nests_class_suites_in_a_suite_Should_count_cases_at_both_levels()
    {
        var report = await JunitFixtures.ParseAsync("phpunit/dorny-phpunit.xml");

        Assert.That(report.Suites.Select(s => (s.Name, s.Totals.Tests, s.Totals.Failures)), Is.EqualTo(new[]
        {
            ("CLI Arguments", 2, 2),
            (@"PHPUnit\Event\CollectingDispatcherTest", 2, 0),
            (@"PHPUnit\Event\DeferringDispatcherTest", 4, 0),
            (@"PHPUnit\Event\DirectDispatcherTest", 4, 0),
        }));
        Assert.That(report.Failures.Select(f => f.Type), Is.All.EqualTo(@"PHPUnit\Framework\PhptAssertionFailedError"));
        Assert.That(report.Failures[0].Message, Is.EqualTo("targeting-traits-with-coversclass-attribute-is-deprecated.phptFailed asserting that string matches format description."));
    }

    [Test]
    public async Task When_names_and_messages_hold_entities_Should_decode_them()
    {
        var report = await JunitFixtures.ParseAsync("edge-cases/with-xml-entities.xml");

        var failure = report.Failures.Single(f => f.Kind == JunitFailure.FailureKind);
        Assert.That(failure.Name, Is.EqualTo("Test with 'apostrophe' in the test name"));
        Assert.That(failure.Message, Is.EqualTo("A message with 'apostrophes'"));
        Assert.That(failure.Output, Is.EqualTo("Content with 'apostrophes'"));
        var error = report.Failures.Single(f => f.Kind == JunitFailure.ErrorKind);
        Assert.That((error.Name, error.Message, error.Output), Is.EqualTo(("Test with & in the test name", "A message with &", "Content with &")));
        Assert.That(failure.Suite, Is.EqualTo(JunitLimits.UnnamedSuite), "<testsuite> without attributes");
        Assert.That(report.Totals.TimeSeconds, Is.EqualTo(0.0), "time=\"0.0\" is a time, not a missing one");
    }

    [Test]
    public async Task When_the_file_has_a_bom_and_no_declaration_Should_read_quotes_and_line_breaks_in_attributes()
    {
        var report = await JunitFixtures.ParseAsync("dotnet-junitxml-testlogger/TestResults.xml");

        var failure = report.Failures.Single(f => f.Name == "TestData(2,\"A\")" && f.ClassName == "JUnit.Xml.TestLogger.NetFull.Tests.ParametrizedTestCases");
        Assert.That(failure.Message, Is.EqualTo("failing for second case\r\n  Expected: not equal to 2\r\n  But was:  2"));
        Assert.That(failure.Type, Is.EqualTo("failure"));
        Assert.That(report.Suites.Single().Name, Is.EqualTo("JUnit.Xml.TestLogger.NetCore.Tests.dll"));
    }

    [Test]
    public async Task When_a_failure_has_only_a_comment_inside_Should_have_no_output()
    {
        var report = await JunitFixtures.ParseAsync("reference/testmo-junit-complete.xml");

        var error = report.Failures.Single(f => f.Kind == JunitFailure.ErrorKind);
        Assert.That((error.Name, error.Message, error.Type, error.Output), Is.EqualTo(("testCase6", "Division by zero.", "ArithmeticError", (string?)null)));
    }

    [Test]
    public async Task When_the_stream_only_reads_asynchronously_Should_parse_without_a_blocking_read()
    {
        await using var stream = new AsyncOnlyStream(File.OpenRead(JunitFixtures.PathOf("dotnet-junitxml-testlogger/TestResults.xml")));

        var report = await JunitParser.ParseAsync(stream, "TestResults.xml", CancellationToken.None);

        Assert.That(report.Totals.Tests, Is.EqualTo(52));
    }
}
