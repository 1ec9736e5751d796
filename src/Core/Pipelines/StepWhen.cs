namespace Narwhal.Core.Pipelines;

/// <summary>When a step whose needs have all ended runs. Stored and sent as <c>success</c>, <c>failure</c>, <c>always</c>.</summary>
public enum StepWhen
{
    /// <summary>Every step it needs succeeded (a failure allowed by <c>allowFailure</c> counts as success).</summary>
    Success,

    /// <summary>At least one step it needs did not succeed: reports, notifications, rollbacks.</summary>
    Failure,

    /// <summary>Whatever its needs ended as: clean-up.</summary>
    Always,
}
