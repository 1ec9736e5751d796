using Narwhal.Core.Results;

namespace Narwhal.Runner.Junit;

/// <summary>Adds up test cases (while parsing) or totals (when combining reports).</summary>
internal sealed class JunitTotalsBuilder
{
    private int _tests;
    private int _failures;
    private int _errors;
    private int _skipped;
    private double _seconds;
    private bool _hasTime;

    public void AddCase(JunitCase testCase)
    {
        _tests++;
        if (testCase.HasFailure) _failures++;
        if (testCase.HasError) _errors++;
        if (testCase.HasSkipped) _skipped++;
        AddTime(testCase.TimeSeconds);
    }

    public void Add(JunitTotals totals)
    {
        _tests += totals.Tests;
        _failures += totals.Failures;
        _errors += totals.Errors;
        _skipped += totals.Skipped;
        AddTime(totals.TimeSeconds);
    }

    /// <summary>Time rounded to the nanosecond, which drops the binary noise of summing decimals (0.06 + 0.1).</summary>
    public JunitTotals Build() =>
        new(_tests, _failures, _errors, _skipped, _hasTime ? Math.Round(_seconds, 9) : null);

    private void AddTime(double? seconds)
    {
        if (seconds is not { } value)
            return;
        _seconds += value;
        _hasTime = true;
    }
}
