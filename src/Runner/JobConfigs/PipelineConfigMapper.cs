using Narwhal.Core.Pipelines;
using YamlDotNet.Core;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// A file with <c>steps</c>: the top-level defaults checked on their own, the graph checked by the
/// shared <see cref="StepGraph"/> rules (its problem placed at the step or need it is about), then each
/// step checked with the defaults merged in (<see cref="StepConfigMapper"/>).
/// </summary>
internal static class PipelineConfigMapper
{
    public static PipelineConfig ToPipelineConfig(RawJobConfig raw)
    {
        var steps = raw.Steps ?? throw new ArgumentException("A pipeline has steps.", nameof(raw));
        JobConfigMapper.CheckDefaults(raw, ExecutionOwner.Defaults(raw.Start));
        var failFast = raw.FailFast is not null && ConfigScalars.Boolean(raw.FailFast, "'failFast'");
        var defaults = new StepDefaults(
            raw,
            raw.ResourceClass is null ? null : ConfigNames.Group(raw.ResourceClass, "'resourceClass'"),
            raw.Retry is null ? null : StepConfigMapper.RetryOnLost(raw.Retry));

        var places = steps.Entries.Select(entry => StepConfigMapper.Place(entry.Key, entry.Value)).ToList();
        if (StepGraph.Check([.. places.Select(place => place.Node)]) is { } problem)
            throw ConfigError.At(Where(problem, steps, places), problem.Message);

        var configs = steps.Entries.Select((entry, i) => StepConfigMapper.ToStepConfig(entry.Key, entry.Value, places[i], defaults)).ToList();
        CheckExpandedSize(configs, steps);
        return new PipelineConfig { FailFast = failFast, Steps = configs };
    }

    /// <summary>Each matrix is within its own limit; together with the other steps they must also fit in one pipeline.</summary>
    private static void CheckExpandedSize(List<StepConfig> configs, RawMap<RawStep> steps)
    {
        var total = configs.Sum(step => StepMatrices.StepCount(step.Matrix));
        if (total <= PipelineLimits.MaxSteps) return;
        var first = steps.Entries.First(entry => entry.Value.Matrix is not null);
        throw ConfigError.At(first.Value.KeyStart("matrix"),
            $"with its matrices expanded the pipeline has {total} steps; a pipeline has at most {PipelineLimits.MaxSteps}");
    }

    /// <summary>The need it is about, else the step's key; an empty <c>steps</c> at its mapping.</summary>
    private static Mark Where(StepGraphProblem problem, RawMap<RawStep> steps, IReadOnlyList<StepPlace> places)
    {
        if (steps.Entries.Count == 0) return steps.Start;
        return problem.NeedIndex is { } need
            ? places[problem.StepIndex].Needs[need].At
            : steps.Entries[problem.StepIndex].Key.Start;
    }
}
