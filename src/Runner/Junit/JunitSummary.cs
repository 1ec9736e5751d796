using Narwhal.Core.Results;

namespace Narwhal.Runner.Junit;

/// <summary>Combines the reports of one run into the summary the Api serves.</summary>
public static class JunitSummary
{
    public const int DefaultMaxFailures = 200;
    public const int DefaultMaxSuites = 1000;

    public static JunitSummaryResult Combine(
        IEnumerable<JunitReport> reports, int maxFailures = DefaultMaxFailures, int maxSuites = DefaultMaxSuites)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFailures);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSuites);

        var files = 0;
        var totals = new JunitTotalsBuilder();
        var suites = new List<JunitSummarySuite>();
        var failures = new List<JunitFailure>();
        var unparseable = new List<JunitUnparseableFile>();
        var suitesTruncated = false;
        var failuresTruncated = false;

        foreach (var report in reports)
        {
            files++;
            if (!report.Parsed)
            {
                unparseable.Add(new JunitUnparseableFile(report.FileName, report.Error ?? "Unparseable."));
                continue;
            }

            totals.Add(report.Totals);
            foreach (var suite in report.Suites)
            {
                if (suites.Count < maxSuites) suites.Add(new JunitSummarySuite(report.FileName, suite.Name, suite.Totals));
                else suitesTruncated = true;
            }
            foreach (var failure in report.Failures)
            {
                if (failures.Count < maxFailures) failures.Add(failure);
                else failuresTruncated = true;
            }
            failuresTruncated |= report.FailuresTruncated;
        }

        return new JunitSummaryResult
        {
            Files = files,
            ParsedFiles = files - unparseable.Count,
            Totals = totals.Build(),
            Suites = suites,
            SuitesTruncated = suitesTruncated,
            Failures = failures,
            FailuresTruncated = failuresTruncated,
            Unparseable = unparseable,
        };
    }
}
