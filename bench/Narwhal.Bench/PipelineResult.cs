namespace Narwhal.Bench;

/// <summary>A pipeline (top-level run) as stored; times from Postgres's clock.</summary>
public sealed class PipelineRow
{
    public Guid Id { get; set; }
    public string JobName { get; set; } = "";
    public string Status { get; set; } = "";
    public string? StatusReason { get; set; }
    public bool Pipeline { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

/// <summary>One attempt of a step (its runs row and run_steps row) as stored; times from Postgres's clock.</summary>
public sealed class StepRow
{
    public Guid Id { get; set; }
    public Guid ParentRunId { get; set; }
    public string Key { get; set; } = "";
    public string[] Needs { get; set; } = [];
    public string Status { get; set; } = "";
    public string? StatusReason { get; set; }
    public string? RunnerId { get; set; }
    public int Attempt { get; set; }
    public int StepAttempt { get; set; }
    public bool Superseded { get; set; }
    public DateTime QueuedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

/// <summary>
/// Whether every step of a set of pipelines ran exactly once: one container start event per pipeline run and step
/// key, no step row claimed twice (runs.attempt &gt; 1), no step retried (a second run_steps attempt).
/// </summary>
public sealed record OnceCheck(
    int Pipelines, IReadOnlyDictionary<string, int> PipelinesByStatus, int PipelinesSucceeded,
    int ExpectedSteps, int StepRows, IReadOnlyDictionary<string, int> StepsByStatus, int StartEvents,
    int StepsStartedTwice, int StepsNeverStarted, int StepsClaimedMoreThanOnce, int StepsRetried)
{
    public bool AllSucceeded => Pipelines > 0 && PipelinesSucceeded == Pipelines;
    public bool ExactlyOnce => StepRows == ExpectedSteps && StartEvents == ExpectedSteps && StepsStartedTwice == 0 && StepsNeverStarted == 0
                               && StepsClaimedMoreThanOnce == 0 && StepsRetried == 0;
}

/// <summary>(c): pipelines triggered at once.</summary>
public sealed record PipelineBurstResult(
    int Requested, int Triggered, int TriggerFailed, double TriggerSeconds, string? WaitStopped, OnceCheck Check,
    double WallSeconds, double ObservedSeconds, double StepsPerSecond, Series TriggerToFinished);

public sealed record PipelineResult(
    int Runners, int SlotsPerRunner, string RunnerCommand, string Setup, double RunnersReadySeconds, int WarmupPipelines,
    int Pipelines, OnceCheck Sequential,
    Series NeedEndToStart, Series ReadyToStart, Series NoWaitToStart, Series ReadyToClaim, Series ClaimToStart, Series TriggerToFirstStart,
    Series Wall, Series StepClaimToFinished, PipelineBurstResult Burst,
    IReadOnlyList<FleetRunnerStop> RunnerStops, IReadOnlyList<string> FirstErrors, IReadOnlyList<string> Problems)
{
    /// <summary>The target: a step's container starts within this much of a bare container's create → start.</summary>
    public const double TargetMs = 100;

    public IReadOnlyList<string> LeftoversRemoved { get; init; } = [];

    /// <summary>The same critical path of bare containers, run between the pipelines (null: not measured).</summary>
    public BareCriticalPathResult? Bare { get; init; }

    /// <summary>Step ready → container start, minus a bare create → start (p50 and p99).</summary>
    public double StartOverBareP50Ms => Bare is { } bare ? ReadyToStart.P50 - bare.CreateToStartEvent.P50 : double.NaN;
    public double StartOverBareP99Ms => Bare is { } bare ? ReadyToStart.P99 - bare.CreateToStartEvent.P99 : double.NaN;
    public bool TargetMet => StartOverBareP50Ms <= TargetMs && StartOverBareP99Ms <= TargetMs;

    /// <summary>Pipeline wall time ÷ the bare critical path's (p50 over p50).</summary>
    public double WallRatio => Bare is { Wall.N: > 0 } bare ? Wall.P50 / bare.Wall.P50 : double.NaN;

    public PipelineResult WithProblem(string problem) => this with { Problems = [.. Problems, problem] };
}
