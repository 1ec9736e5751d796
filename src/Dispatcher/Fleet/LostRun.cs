namespace Narwhal.Dispatcher.Fleet;

/// <summary>Why a running run is considered lost.</summary>
public enum LostCause
{
    /// <summary>Its Runner is offline: silent for longer than the offline timeout.</summary>
    RunnerSilent,
    /// <summary>Its Runner never had a heartbeat recorded (it died before its first one).</summary>
    RunnerNeverSeen,
    /// <summary>Its Runner is alive but has not listed the run for longer than the offline timeout (restarted under the same id).</summary>
    RunnerForgotIt,
}

/// <summary>A running run found lost by a scan, identified by the attempt that was running.</summary>
public sealed record LostRun
{
    public required Guid RunId { get; init; }
    public required Guid AttemptId { get; init; }
    public required string JobName { get; init; }
    public required int Number { get; init; }
    public required int Attempt { get; init; }
    public required string ResourceClass { get; init; }
    public required string RunnerId { get; init; }
    public required LostCause Cause { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>The Runner's last heartbeat (database clock), null when it never had one.</summary>
    public DateTimeOffset? RunnerLastSeenAt { get; init; }

    /// <summary>The first half of the status reason: what happened to the Runner.</summary>
    public string Describe() => Cause switch
    {
        LostCause.RunnerSilent => $"Runner {RunnerId} silent since {RunnerLastSeenAt:yyyy-MM-dd HH:mm:ss}Z.",
        LostCause.RunnerNeverSeen => $"Runner {RunnerId} never sent a heartbeat after claiming the run at {StartedAt:yyyy-MM-dd HH:mm:ss}Z.",
        _ => $"Runner {RunnerId} no longer reports the run it claimed at {StartedAt:yyyy-MM-dd HH:mm:ss}Z (restarted?).",
    };
}

public enum LostRunAction
{
    /// <summary>Ended <c>lost</c>: the job does not retry, its retries are used up, or an abort was requested.</summary>
    MarkedLost,
    /// <summary>Queued again as a new attempt (retry.onLost), with an ExecuteRun outbox message.</summary>
    Requeued,
    /// <summary>Nothing done: the attempt ended, or its Runner spoke again, since the scan.</summary>
    Skipped,
}

/// <summary>What the Dispatcher did with a lost run.</summary>
/// <param name="Retry">For <see cref="LostRunAction.Requeued"/>: which retry this is (1-based).</param>
/// <param name="OutboxId">For <see cref="LostRunAction.Requeued"/>: the ExecuteRun message to publish.</param>
public sealed record LostRunOutcome(LostRunAction Action, string? Reason, int Retry = 0, int RetriesAllowed = 0, long? OutboxId = null)
{
    public static readonly LostRunOutcome Skipped = new(LostRunAction.Skipped, null);
}
