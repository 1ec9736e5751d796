namespace Narwhal.Runner.Junit;

/// <summary>
/// Bounds on what the parser keeps from one file, so a hostile or runaway report costs bounded memory. Counting is never
/// bounded: every test case is counted whatever is kept. Byte limits are UTF-8 bytes; a cut string ends with "…".
/// </summary>
public static class JunitLimits
{
    /// <summary>Deeper element nesting makes the file unparseable.</summary>
    public const int MaxDepth = 64;

    /// <summary><see cref="Narwhal.Core.Results.JunitFailure.Output"/>.</summary>
    public const int MaxOutputBytes = 4 * 1024;

    /// <summary>Lines of failure/error text kept at the start of <see cref="Narwhal.Core.Results.JunitFailure.Output"/>.</summary>
    public const int MaxFailureTextLines = 20;

    /// <summary><see cref="Narwhal.Core.Results.JunitFailure.Message"/> and <see cref="Narwhal.Core.Results.JunitFailure.Type"/>.</summary>
    public const int MaxMessageBytes = 1024;

    /// <summary>Suite, class and test names.</summary>
    public const int MaxNameBytes = 1024;

    /// <summary><see cref="JunitReport.Failures"/> of one file.</summary>
    public const int MaxFailuresPerReport = 1000;

    /// <summary>
    /// Suites listed individually per file; the cases of any further suites are listed together under
    /// <see cref="OtherSuites"/>, so the list still adds up to the file's totals.
    /// </summary>
    public const int MaxSuitesPerReport = 10_000;

    /// <summary>Name of a suite without a <c>name</c> attribute, and of cases that sit directly under <c>&lt;testsuites&gt;</c>.</summary>
    public const string UnnamedSuite = "(unnamed)";

    /// <summary>Name of a test case without a <c>name</c> attribute.</summary>
    public const string UnnamedCase = "(unnamed)";

    /// <summary>Where the cases of suites beyond <see cref="MaxSuitesPerReport"/> are counted.</summary>
    public const string OtherSuites = "(other suites)";
}
