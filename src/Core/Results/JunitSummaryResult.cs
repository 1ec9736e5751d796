namespace Narwhal.Core.Results;

/// <summary>
/// The test results of a run: what its parsed report files add up to, and which files could not be read. The Runner
/// writes it beside the reports, the Api serves it; the parser that makes it lives in the Runner.
/// </summary>
public sealed record JunitSummaryResult
{
    /// <summary>Report files given, parsed or not.</summary>
    public required int Files { get; init; }

    public required int ParsedFiles { get; init; }

    /// <summary>Summed over the parsed files only.</summary>
    public required JunitTotals Totals { get; init; }

    /// <summary>Every suite of every parsed file, in file order, up to the cap given to <c>JunitSummary.Combine</c> (Runner).</summary>
    public required IReadOnlyList<JunitSummarySuite> Suites { get; init; }

    public required bool SuitesTruncated { get; init; }

    /// <summary>Failed and errored cases in file order, up to the cap given to <c>JunitSummary.Combine</c> (Runner).</summary>
    public required IReadOnlyList<JunitFailure> Failures { get; init; }

    /// <summary>True when more failing cases exist than <see cref="Failures"/> lists (over the cap, or over a file's own cap).</summary>
    public required bool FailuresTruncated { get; init; }

    public required IReadOnlyList<JunitUnparseableFile> Unparseable { get; init; }
}
