using Narwhal.Core.Results;

namespace Narwhal.Runner.Junit;

/// <summary>
/// A <c>&lt;testsuite&gt;</c> that directly contains test cases: its <c>name</c> (or <see cref="JunitLimits.UnnamedSuite"/>)
/// and the totals of those cases. Cases of suites nested inside it belong to the nested suites.
/// </summary>
public sealed record JunitSuite(string Name, JunitTotals Totals);
