using Narwhal.Core.Pipelines;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// A step with <c>block</c>: an approval gate. It runs nothing, so it takes none of the top-level defaults of what a
/// step executes and may not set them itself; its own <c>timeout</c> is how long it waits for a decision.
/// </summary>
internal static class BlockStepMapper
{
    /// <summary>What a gate's row records as its definition: nothing to execute (no Runner ever claims it).</summary>
    public static readonly JobConfig NothingToRun = new() { Script = [] };

    // What a step executes or where: meaningless for a step that never reaches a Runner.
    private static readonly string[] ExecutionKeys =
        ["image", "build", "script", "env", "services", "resources", "results", "secrets", "user", "cache", "resourceClass", "concurrencyGroup", "concurrency", "retry", "matrix"];

    private static readonly string[] GateKeys = ["fields", "approvers"];

    /// <summary>The gate of the step, or null for a step without <c>block</c> (which may not set the gate's keys).</summary>
    public static BlockSpec? Gate(RawScalar key, RawStep raw)
    {
        if (raw.Block is null)
        {
            foreach (var gateKey in GateKeys.Where(raw.Has))
                throw ConfigError.At(raw.KeyStart(gateKey),
                    $"step '{key.Value}' sets '{gateKey}' without 'block': only an approval gate has {gateKey}");
            return null;
        }
        if (ExecutionKeys.FirstOrDefault(raw.Has) is { } executes)
            throw ConfigError.At(raw.KeyStart(executes),
                $"step '{key.Value}' is an approval gate ('block'): it runs nothing, so '{executes}' has no place in it");
        if (BlockRules.PromptProblem(raw.Block.Value) is { } promptProblem)
            throw ConfigError.At(raw.Block.Start, $"'block' of step '{key.Value}': {promptProblem}");

        var timeout = raw.Timeout is null ? (TimeSpan?)null : Quantities.Duration(raw.Timeout, "'timeout'");
        if (timeout is { TotalSeconds: > BlockRules.MaxTimeoutSeconds })
            throw ConfigError.At(raw.Timeout!.Start, $"'timeout' of an approval gate is at most 30 days ({BlockRules.MaxTimeoutSeconds}s), found '{raw.Timeout.Value}'");
        return new BlockSpec
        {
            Prompt = raw.Block.Value,
            Fields = raw.Fields is null ? [] : Fields(raw.Fields),
            Approvers = raw.Approvers is null ? BlockRules.DefaultApprovers : Approvers(raw.Approvers),
            TimeoutSeconds = timeout is { } t ? (int)t.TotalSeconds : null,
        };
    }

    private static List<BlockField> Fields(RawMap<RawBlockField> raw)
    {
        if (raw.Entries.Count > BlockRules.MaxFields)
            throw ConfigError.At(raw.Start, $"'fields' has {raw.Entries.Count} fields; at most {BlockRules.MaxFields}");
        return [.. raw.Entries.Select(entry => Field(entry.Key, entry.Value))];
    }

    private static BlockField Field(RawScalar name, RawBlockField raw)
    {
        if (BlockRules.FieldNameProblem(name.Value) is { } nameProblem)
            throw ConfigError.At(name.Start, nameProblem);
        var options = raw.Options?.Items;
        if (options is { Count: 0 })
            throw ConfigError.At(raw.Options!.Start, $"'options' of field '{name.Value}' is empty: list the values allowed, or leave it out");
        if (options is { Count: > BlockRules.MaxOptions })
            throw ConfigError.At(raw.Options!.Start, $"'options' of field '{name.Value}' has more than {BlockRules.MaxOptions} values");
        var field = new BlockField
        {
            Name = name.Value,
            Description = raw.Description?.Value,
            Required = raw.Required is not null && ConfigScalars.Boolean(raw.Required, "'required'"),
            Default = raw.Default?.Value,
            Options = options?.Select(option => option.Value).ToList(),
        };
        if (BlockRules.DefaultProblem(field) is { } defaultProblem)
            throw ConfigError.At(raw.Default!.Start, defaultProblem);
        return field;
    }

    private static List<string> Approvers(RawList raw)
    {
        if (raw.Items.Count == 0)
            throw ConfigError.At(raw.Start, "'approvers' is empty: name who may decide (token names, or scope:admin), or leave it out for admins only");
        if (raw.Items.Count > BlockRules.MaxApprovers)
            throw ConfigError.At(raw.Start, $"'approvers' has more than {BlockRules.MaxApprovers} items");
        foreach (var approver in raw.Items)
            if (BlockRules.ApproverProblem(approver.Value) is { } problem)
                throw ConfigError.At(approver.Start, $"in 'approvers': {problem}");
        return [.. raw.Items.Select(approver => approver.Value).Distinct(StringComparer.Ordinal)];
    }
}
