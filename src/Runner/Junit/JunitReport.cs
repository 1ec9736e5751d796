using Narwhal.Core.Results;

namespace Narwhal.Runner.Junit;

/// <summary>
/// What one JUnit XML file contains, counted from its <c>&lt;testcase&gt;</c> elements; the totals the file states about
/// itself are never read. A file that is not well-formed JUnit XML gives <see cref="Parsed"/> = false, an
/// <see cref="Error"/> with the line and position, and empty counts.
/// </summary>
public sealed record JunitReport
{
    public required string FileName { get; init; }

    public required bool Parsed { get; init; }

    /// <summary>Why the file could not be read, ending with the line and position; null when <see cref="Parsed"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Counted over every <c>&lt;testcase&gt;</c> in the file, nested suites included.</summary>
    public required JunitTotals Totals { get; init; }

    /// <summary>
    /// The suites that directly contain test cases, in the order their first case appears, with their counted totals.
    /// They add up to <see cref="Totals"/>.
    /// </summary>
    public required IReadOnlyList<JunitSuite> Suites { get; init; }

    /// <summary>The test cases with a <c>&lt;failure&gt;</c> or <c>&lt;error&gt;</c>, at most <see cref="JunitLimits.MaxFailuresPerReport"/>.</summary>
    public required IReadOnlyList<JunitFailure> Failures { get; init; }

    /// <summary>True when the file had more failing cases than <see cref="Failures"/> keeps (they are still counted in <see cref="Totals"/>).</summary>
    public bool FailuresTruncated { get; init; }

    internal static JunitReport Unparseable(string fileName, string error) => new()
    {
        FileName = fileName,
        Parsed = false,
        Error = error,
        Totals = JunitTotals.Empty,
        Suites = [],
        Failures = [],
    };
}
