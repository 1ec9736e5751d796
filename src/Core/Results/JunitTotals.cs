namespace Narwhal.Core.Results;

/// <summary>
/// Counted test cases. A case counts in <see cref="Failures"/> if it has a <c>&lt;failure&gt;</c>, in <see cref="Errors"/>
/// if it has an <c>&lt;error&gt;</c> and in <see cref="Skipped"/> if it has a <c>&lt;skipped&gt;</c> (a case with several
/// counts in each). <see cref="TimeSeconds"/> is the sum of the <c>time</c> attributes that parse, or null when no case has one.
/// </summary>
public sealed record JunitTotals(int Tests, int Failures, int Errors, int Skipped, double? TimeSeconds)
{
    public static JunitTotals Empty { get; } = new(0, 0, 0, 0, null);
}
