namespace Narwhal.Core.Pipelines;

/// <summary>How an approval gate ended. Stored in <c>run_steps.decision</c> and sent as <c>approved</c>, <c>rejected</c>, <c>timed_out</c>.</summary>
public enum BlockDecision
{
    /// <summary>The step succeeded: the steps after it run, with the approved inputs.</summary>
    Approved,

    /// <summary>The step failed ("Rejected by NAME."): its dependents are skipped as after any failure.</summary>
    Rejected,

    /// <summary>Nobody decided in time: the step timed out.</summary>
    TimedOut,
}

/// <summary>The one mapping between <see cref="BlockDecision"/> and its name in SQL (and its step's status).</summary>
public static class BlockDecisionNames
{
    public static string Name(this BlockDecision decision) => decision switch
    {
        BlockDecision.Approved => "approved",
        BlockDecision.Rejected => "rejected",
        BlockDecision.TimedOut => "timed_out",
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, null),
    };

    public static BlockDecision Parse(string name) => name switch
    {
        "approved" => BlockDecision.Approved,
        "rejected" => BlockDecision.Rejected,
        "timed_out" => BlockDecision.TimedOut,
        _ => throw new FormatException($"'{name}' is not an approval decision"),
    };
}
