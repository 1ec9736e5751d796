using Narwhal.Api.Runs;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Dtos;

/// <summary>
/// A step's approval gate (<c>block</c>): what it asks and who may answer; since when it awaits a decision
/// (<see cref="RequestedAt"/>, set once its needs were met), and the decision once taken.
/// </summary>
public sealed record GateDto
{
    public required string Prompt { get; init; }
    public required IReadOnlyList<BlockField> Fields { get; init; }
    /// <summary>Token names, and scopes written <c>scope:NAME</c>.</summary>
    public required IReadOnlyList<string> Approvers { get; init; }
    public int? TimeoutSeconds { get; init; }
    public DateTime? RequestedAt { get; init; }
    /// <summary>Approve and reject are accepted now (<c>POST …/approve</c>, <c>POST …/reject</c>).</summary>
    public required bool AwaitsDecision { get; init; }
    public GateDecisionDto? Decision { get; init; }

    public static GateDto From(StepGate gate) => new()
    {
        Prompt = gate.Spec.Prompt,
        Fields = gate.Spec.Fields,
        Approvers = gate.Spec.Approvers,
        TimeoutSeconds = gate.Spec.TimeoutSeconds,
        RequestedAt = gate.RequestedAt?.UtcDateTime,
        AwaitsDecision = gate.AwaitsDecision,
        Decision = gate.Decision is { } d ? new GateDecisionDto(d.Decision, d.By, d.At.UtcDateTime, d.Inputs) : null,
    };
}

/// <param name="By">The deciding token's name; <c>timeout</c> when nobody decided in time.</param>
/// <param name="Fields">The approved inputs, which later steps receive as environment variables.</param>
public sealed record GateDecisionDto(BlockDecision Decision, string By, DateTime At, IReadOnlyDictionary<string, string> Fields);

/// <summary>The body of <c>POST /runs/{id}/steps/{key}/approve</c>.</summary>
public sealed record ApproveRequest
{
    /// <summary>A value per field of the gate (name → value); defaults fill the fields left out.</summary>
    public IReadOnlyDictionary<string, string?>? Fields { get; init; }
}
