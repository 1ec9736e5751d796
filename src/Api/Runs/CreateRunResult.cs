using Narwhal.Core.Runs;

namespace Narwhal.Api.Runs;

public enum CreateRunOutcome
{
    Created,
    /// <summary>Same Idempotency-Key and same request: the original run.</summary>
    Replayed,
    /// <summary>Same Idempotency-Key, different request.</summary>
    KeyConflict,
    /// <summary>The job was deleted meanwhile.</summary>
    JobGone,
}

public sealed record CreateRunResult(CreateRunOutcome Outcome, Run? Run, long? OutboxId);
