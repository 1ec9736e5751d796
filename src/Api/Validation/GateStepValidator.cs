using Narwhal.Api.Dtos;
using Narwhal.Core.Jobs;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Validation;

/// <summary>
/// A freestyle step with <c>block</c>: an approval gate, checked by the same rules as a config file's
/// (<see cref="BlockRules"/>), each problem named by its field (<c>steps.approve.fields.VERSION</c>).
/// </summary>
public static class GateStepValidator
{
    public static JobStep Step(string key, JobStepDto step, ValidationErrors errors)
    {
        var field = $"steps.{key}";
        if (step.Block is null)
        {
            errors.Add(step.Fields is not null ? $"{field}.fields" : $"{field}.approvers",
                "Only an approval gate has fields and approvers: give block, its prompt.");
            return new JobStep { Key = key };
        }
        // What a step executes or where: meaningless for a step that never reaches a Runner.
        foreach (var (name, given) in new (string, bool)[]
                 {
                     ("image", step.Image is not null), ("script", step.Script is not null), ("env", step.Env is not null),
                     ("resourceClass", step.ResourceClass is not null), ("concurrencyGroup", step.ConcurrencyGroup is not null),
                     ("concurrency", step.Concurrency is not null), ("retry", step.Retry is not null),
                 })
            if (given) errors.Add($"{field}.{name}", $"Step '{key}' is an approval gate (block): it runs nothing, so it takes no {name}.");
        if (BlockRules.PromptProblem(step.Block) is { } promptProblem) errors.Add($"{field}.block", JobStepsValidator.Sentence(promptProblem));
        if (step.TimeoutSeconds is < 1 or > BlockRules.MaxTimeoutSeconds)
            errors.Add($"{field}.timeoutSeconds", $"An approval gate waits between 1 and {BlockRules.MaxTimeoutSeconds} seconds (30 days).");

        return new JobStep
        {
            Key = key,
            Needs = (step.Needs ?? []).Where(n => n?.Step is not null).Select(n => new JobStepNeed { Step = n.Step!, Artifacts = n.Artifacts }).ToList(),
            When = step.When ?? StepWhen.Success,
            AllowFailure = step.AllowFailure ?? false,
            Block = new BlockSpec
            {
                Prompt = step.Block,
                Fields = Fields(step.Fields, $"{field}.fields", errors),
                Approvers = Approvers(step.Approvers, $"{field}.approvers", errors),
                TimeoutSeconds = step.TimeoutSeconds,
            },
        };
    }

    private static List<BlockField> Fields(OrderedDictionary<string, BlockFieldDto>? fields, string field, ValidationErrors errors)
    {
        if (fields is null) return [];
        if (fields.Count > BlockRules.MaxFields) errors.Add(field, $"At most {BlockRules.MaxFields} fields; {fields.Count} were given.");
        var result = new List<BlockField>();
        foreach (var (name, dto) in fields)
        {
            if (BlockRules.FieldNameProblem(name) is { } nameProblem) errors.Add($"{field}.{name}", JobStepsValidator.Sentence(nameProblem));
            var options = dto?.Options;
            if (options is { Count: 0 } or { Count: > BlockRules.MaxOptions })
                errors.Add($"{field}.{name}.options", $"Between 1 and {BlockRules.MaxOptions} values, or leave options out.");
            var blockField = new BlockField { Name = name, Description = dto?.Description, Required = dto?.Required ?? false, Default = dto?.Default, Options = options };
            if (BlockRules.DefaultProblem(blockField) is { } defaultProblem) errors.Add($"{field}.{name}.default", JobStepsValidator.Sentence(defaultProblem));
            result.Add(blockField);
        }
        return result;
    }

    private static IReadOnlyList<string> Approvers(List<string>? approvers, string field, ValidationErrors errors)
    {
        if (approvers is null) return BlockRules.DefaultApprovers;
        if (approvers.Count is 0 or > BlockRules.MaxApprovers)
            errors.Add(field, $"Between 1 and {BlockRules.MaxApprovers} approvers (token names, or scope:admin), or leave approvers out for admins only.");
        for (var i = 0; i < approvers.Count; i++)
            if (BlockRules.ApproverProblem(approvers[i] ?? "") is { } problem) errors.Add($"{field}[{i}]", JobStepsValidator.Sentence(problem));
        return approvers.Distinct(StringComparer.Ordinal).ToList();
    }
}
