using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Runs;

/// <summary>An approval gate as a step shows it: what it asks, since when, and what was decided.</summary>
public sealed record StepGate(BlockSpec Spec, DateTimeOffset? RequestedAt, GateDecision? Decision)
{
    /// <summary>Its needs were met and nobody decided yet: approve and reject are accepted.</summary>
    public bool AwaitsDecision => RequestedAt is not null && Decision is null;
}

/// <param name="By">The deciding token's name; <c>timeout</c> when nobody decided in time.</param>
/// <param name="Inputs">The approved values of the gate's fields (defaults filled in); empty otherwise.</param>
public sealed record GateDecision(BlockDecision Decision, string By, DateTimeOffset At, IReadOnlyDictionary<string, string> Inputs);
