using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Runner.Pipelines;

namespace Narwhal.Runner.Claiming;

/// <summary>A run this Runner now owns: its attempt id fences every later write.</summary>
public sealed record ClaimedRun(Run Run, JobSpec Job, Guid AttemptId)
{
    /// <summary>Set when the run is one step of a pipeline.</summary>
    public ClaimedStep? Step { get; init; }
}

/// <summary>What a claim found: the claimed run, or the status that made it unclaimable.</summary>
public sealed record ClaimResult(ClaimedRun? Claimed, RunStatus? FoundStatus)
{
    public static ClaimResult NotFound => new(null, null);
}
