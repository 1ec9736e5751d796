using Narwhal.Core.Runs;

namespace Narwhal.Api.Runs;

public enum AbortOutcome
{
    /// <summary>It was queued: it is now aborted and will never start.</summary>
    Aborted,
    /// <summary>It is running: its Runner has been asked to stop it.</summary>
    Requested,
    /// <summary>It had already ended.</summary>
    AlreadyEnded,
    NotFound,
}

public sealed record AbortResult(AbortOutcome Outcome, Run? Run);
