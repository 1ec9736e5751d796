using System.Collections.ObjectModel;
using Narwhal.Core.Jobs;
using Narwhal.Core.Pipelines;
using Narwhal.Runner.JobConfigs;

namespace Narwhal.Runner.Pipelines;

/// <summary>
/// A freestyle job's script, or each step of its pipeline, as the <see cref="JobConfig"/> a Runner
/// executes: a step's own keys over the job's (env merged variable by variable). The Api validated the
/// spec when the job was saved, so every step has an image and a script here.
/// </summary>
public static class FreestyleSteps
{
    public static JobConfig WholeJob(JobSpec job) => new()
    {
        Image = job.Image,
        Script = job.Script ?? [],
        Env = job.Env ?? ReadOnlyDictionary<string, string>.Empty,
        Timeout = Seconds(job.TimeoutSeconds),
    };

    public static PlannedStep Plan(JobSpec job, JobStep step) => step.Block is { } gate ? Gate(job, step, gate) : new()
    {
        Key = step.Key,
        Needs = step.Needs.Select(n => n.Step).ToList(),
        // A freestyle step has no workspace to collect artifacts from, nor to place them in.
        ArtifactsFrom = [],
        When = step.When,
        AllowFailure = step.AllowFailure,
        ResourceClass = step.ResourceClass ?? job.ResourceClass,
        ConcurrencyGroup = step.ConcurrencyGroup,
        Concurrency = step.Concurrency,
        RetryOnLost = step.Retry?.OnLost,
        Definition = new JobConfig
        {
            Image = step.Image ?? job.Image,
            Script = step.Script ?? job.Script ?? [],
            Env = MergeEnv(job.Env, step.Env),
            Timeout = Seconds(step.TimeoutSeconds ?? job.TimeoutSeconds),
        },
    };

    /// <summary>An approval gate: nothing to execute, never queued (see <see cref="PlannedStep.Block"/>).</summary>
    private static PlannedStep Gate(JobSpec job, JobStep step, BlockSpec gate) => new()
    {
        Key = step.Key,
        Needs = step.Needs.Select(n => n.Step).ToList(),
        When = step.When,
        AllowFailure = step.AllowFailure,
        ResourceClass = job.ResourceClass,
        Definition = BlockStepMapper.NothingToRun,
        Block = gate,
    };

    private static ReadOnlyDictionary<string, string> MergeEnv(IReadOnlyDictionary<string, string>? job, IReadOnlyDictionary<string, string>? step)
    {
        var merged = new Dictionary<string, string>(job ?? ReadOnlyDictionary<string, string>.Empty, StringComparer.Ordinal);
        foreach (var (name, value) in step ?? ReadOnlyDictionary<string, string>.Empty) merged[name] = value;
        return merged.AsReadOnly();
    }

    private static TimeSpan? Seconds(int? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;
}
