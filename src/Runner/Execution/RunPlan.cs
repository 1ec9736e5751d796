namespace Narwhal.Runner.Execution;

/// <summary>
/// What planning a claimed run came to: a <see cref="JobPlan"/> to execute here, or a pipeline whose
/// <see cref="RecordedSteps"/> steps were recorded for any Runner to execute (nothing more to do here).
/// </summary>
public sealed record RunPlan(JobPlan? Job, int RecordedSteps)
{
    public static RunPlan Execute(JobPlan job) => new(job, 0);

    public static RunPlan Recorded(int steps) => new(null, steps);
}
