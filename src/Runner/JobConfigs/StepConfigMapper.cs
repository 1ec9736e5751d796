using Narwhal.Core.Pipelines;
using YamlDotNet.Core;

namespace Narwhal.Runner.JobConfigs;

/// <summary>What a step takes from the top of the file: its execution keys, and the defaults of resourceClass and retry.</summary>
internal sealed record StepDefaults(RawExecution Execution, string? ResourceClass, int? RetryOnLost);

/// <summary>A step's place in the graph, read before the graph is checked: each need with where it is written.</summary>
internal sealed record StepPlace(StepNode Node, IReadOnlyList<(StepNeed Need, Mark At)> Needs);

/// <summary>One step under <c>steps</c>: its graph keys, its own keys, and what it executes once the defaults are merged in.</summary>
internal static class StepConfigMapper
{
    // As the Api allows for a job's retry.onLost and maxConcurrent.
    public const int MaxRetryOnLost = 10;
    public const int MaxConcurrency = 1000;

    public static StepPlace Place(RawScalar key, RawStep raw)
    {
        var needs = (raw.Needs?.Items ?? []).Select(Need).ToList();
        var when = raw.When?.Status is { } status ? When(status) : StepWhen.Success;
        return new StepPlace(new StepNode(key.Value, [.. needs.Select(need => need.Need.Key)], when), needs);
    }

    public static StepConfig ToStepConfig(RawScalar key, RawStep raw, StepPlace place, StepDefaults defaults)
    {
        var gate = BlockStepMapper.Gate(key, raw);
        var group = raw.ConcurrencyGroup is null ? null : ConfigNames.Group(raw.ConcurrencyGroup, "'concurrencyGroup'");
        if (raw.Concurrency is not null && group is null)
            throw ConfigError.At(raw.KeyStart("concurrency"),
                $"step '{key.Value}' sets 'concurrency' without 'concurrencyGroup': it is the limit of a group");
        return new StepConfig
        {
            Key = key.Value,
            Needs = [.. place.Needs.Select(need => need.Need)],
            When = place.Node.When,
            AllowFailure = raw.AllowFailure is not null && ConfigScalars.Boolean(raw.AllowFailure, "'allowFailure'"),
            ResourceClass = raw.ResourceClass is null ? defaults.ResourceClass : ConfigNames.Group(raw.ResourceClass, "'resourceClass'"),
            ConcurrencyGroup = group,
            Concurrency = group is null ? null
                : raw.Concurrency is null ? 1 : ConfigScalars.WholeNumber(raw.Concurrency, "'concurrency'", 1, MaxConcurrency),
            RetryOnLost = raw.Retry is null ? defaults.RetryOnLost : RetryOnLost(raw.Retry),
            Matrix = MatrixConfigMapper.ToMatrix(key.Value, raw.Matrix),
            Condition = ConditionConfigMapper.ToCondition(raw.When),
            Job = gate is null ? JobConfigMapper.Execution(Merged(raw, defaults.Execution), ExecutionOwner.Step(key)) : BlockStepMapper.NothingToRun,
            Block = gate,
        };
    }

    public static int RetryOnLost(RawRetry raw) => raw.OnLost is null
        ? throw ConfigError.At(raw.Start, $"'retry' needs 'onLost': how many times a lost step is queued again (0-{MaxRetryOnLost})")
        : ConfigScalars.WholeNumber(raw.OnLost, "'onLost'", 0, MaxRetryOnLost);

    private static (StepNeed Need, Mark At) Need(RawNeed raw)
    {
        if (raw.Step is null)
            throw ConfigError.At(raw.Start, "each item of 'needs' names a step: { step: KEY }");
        var artifacts = raw.Artifacts is null || ConfigScalars.Boolean(raw.Artifacts, "'artifacts'");
        return (new StepNeed(raw.Step.Value, artifacts), raw.Step.Start);
    }

    private static StepWhen When(RawScalar raw) => StepWhenNames.TryParse(raw.Value, out var when)
        ? when
        : throw ConfigError.At(raw.Start, $"'when' must be one of {StepWhenNames.Allowed}, found '{raw.Value}'");

    /// <summary>
    /// Each key the step leaves out comes from the top level, whole; env is merged by variable (the step's
    /// value wins, in the defaults' order, then the step's own). Every node keeps its place in the file, so a
    /// bad default is reported where it is written.
    /// </summary>
    private static RawStep Merged(RawStep step, RawExecution defaults) => step with
    {
        Image = step.Image ?? defaults.Image,
        Build = step.Build ?? defaults.Build,
        Script = step.Script ?? defaults.Script,
        Env = MergedEnv(defaults.Env, step.Env),
        Services = step.Services ?? defaults.Services,
        Timeout = step.Timeout ?? defaults.Timeout,
        Resources = step.Resources ?? defaults.Resources,
        Results = step.Results ?? defaults.Results,
        Secrets = step.Secrets ?? defaults.Secrets,
        User = step.User ?? defaults.User,
        Cache = step.Cache ?? defaults.Cache,
    };

    private static RawMap<RawScalar>? MergedEnv(RawMap<RawScalar>? defaults, RawMap<RawScalar>? own)
    {
        if (defaults is null || own is null) return own ?? defaults;
        var overrides = own.Entries.ToDictionary(entry => entry.Key.Value, StringComparer.Ordinal);
        var merged = defaults.Entries.Select(entry => overrides.Remove(entry.Key.Value, out var mine) ? mine : entry).ToList();
        merged.AddRange(own.Entries.Where(entry => overrides.ContainsKey(entry.Key.Value)));
        return new RawMap<RawScalar>(merged, own.Start);
    }
}
