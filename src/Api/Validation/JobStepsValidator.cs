using Narwhal.Api.Dtos;
using Narwhal.Api.Jobs;
using Narwhal.Core.Jobs;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Validation;

/// <summary>
/// The <c>steps</c> and <c>env</c> of a freestyle job's PUT body: every wrong field named by its path
/// (<c>steps.test.needs[0]</c>), the graph judged by <see cref="StepGraph"/> (the same rules as a repository's config
/// file), and the steps turned into canonical <see cref="JobStep"/>s in the order written.
/// </summary>
public static class JobStepsValidator
{
    /// <summary>Variables become the container's environment: a hundred is plenty, ten thousand is an accident.</summary>
    public const int MaxVariables = 100;

    /// <summary>The job's steps, or null when it has none or something is wrong (then <paramref name="errors"/> says what).</summary>
    public static List<JobStep>? Validate(JobRequest request, IReadOnlyList<string> resourceClasses, ValidationErrors errors)
    {
        if (request.Steps is not { } steps) return null;
        if (steps.Count > PipelineLimits.MaxSteps)
        {
            // One message, not one per step: the answer stays small whatever was sent.
            errors.Add("steps", $"A pipeline has at most {PipelineLimits.MaxSteps} steps; {steps.Count} were given.");
            return null;
        }
        var result = new List<JobStep>(steps.Count);
        var before = errors.Count;
        foreach (var (key, step) in steps)
            result.Add(Step(key, step ?? new JobStepDto(), request, resourceClasses, errors));

        // A malformed need is named already; the graph is judged once every need is a key.
        if (steps.Values.All(s => s?.Needs is null || s.Needs.All(n => n?.Step is not null)))
        {
            var nodes = result.Select(s => new StepNode(s.Key, s.Needs.Select(n => n.Step).ToList(), s.When)).ToList();
            if (StepGraph.Check(nodes) is { } problem) errors.Add(FieldOf(problem, result), Sentence(problem.Message));
        }
        var expanded = result.Sum(s => StepMatrices.StepCount(s.Matrix));
        if (errors.Count == before && expanded > PipelineLimits.MaxSteps)
            errors.Add("steps", $"With its matrices expanded the pipeline has {expanded} steps; a pipeline has at most {PipelineLimits.MaxSteps}.");
        return errors.Count == before ? result : null;
    }

    private static JobStep Step(string key, JobStepDto step, JobRequest job, IReadOnlyList<string> resourceClasses, ValidationErrors errors)
    {
        var field = $"steps.{key}";
        if (step.Block is not null || step.Fields is not null || step.Approvers is not null) return GateStepValidator.Step(key, step, errors);
        if (step.Image is { } image && !ImageReference.IsValid(image))
            errors.Add($"{field}.image", $"'{image}' is not an image reference: {ImageReference.Rule}.");
        else if (step.Image is null && string.IsNullOrWhiteSpace(job.Image))
            errors.Add($"{field}.image", "Required: the step names no image and the job gives no default image.");
        if (step.Script is { } script && (script.Count == 0 || script.All(string.IsNullOrWhiteSpace)))
            errors.Add($"{field}.script", "At least one command (leave script out to run the job's script).");
        else if (step.Script is null && (job.Script is null || job.Script.All(string.IsNullOrWhiteSpace)))
            errors.Add($"{field}.script", "Required: the step has no script and the job gives no default script.");
        if (step.TimeoutSeconds is < 1 or > JobRequestValidator.MaxTimeoutSeconds)
            errors.Add($"{field}.timeoutSeconds", $"Must be between 1 and {JobRequestValidator.MaxTimeoutSeconds} seconds.");
        if (step.ResourceClass is { } resourceClass && !resourceClasses.Contains(resourceClass, StringComparer.Ordinal))
            errors.Add($"{field}.resourceClass", $"Unknown resource class '{resourceClass}'; configured classes: {string.Join(", ", resourceClasses)}.");

        var needs = step.Needs ?? [];
        for (var n = 0; n < needs.Count; n++)
            if (needs[n] is not { Step: not null })
                errors.Add($"{field}.needs[{n}]", "A need is a step key (\"build\") or { \"step\": \"build\", \"artifacts\": false }.");

        if (step.ConcurrencyGroup is { } group && !Names.JobName().IsMatch(group))
            errors.Add($"{field}.concurrencyGroup", $"Group name '{group}' is invalid: {Names.JobNameRule}.");
        // The run itself holds a slot of the job's group while its steps run: a step of that group would wait for its own run.
        else if (step.ConcurrencyGroup is { } shared && shared == job.ConcurrencyGroup)
            errors.Add($"{field}.concurrencyGroup", $"The job itself is in concurrency group '{shared}': the step would wait for its own run. Use another group.");
        if (step.Concurrency is { } limit)
        {
            if (step.ConcurrencyGroup is null) errors.Add($"{field}.concurrency", "Needs concurrencyGroup: the group whose steps it limits.");
            else if (limit is < 1 or > JobRequestValidator.MaxConcurrentLimit)
                errors.Add($"{field}.concurrency", $"Must be between 1 and {JobRequestValidator.MaxConcurrentLimit} steps at once.");
        }
        if (step.Retry is { } retry) JobRequestValidator.ValidateRetry(retry, $"{field}.retry.onLost", errors);

        return new JobStep
        {
            Key = key,
            Image = step.Image,
            Script = step.Script,
            Env = Variables(step.Env, $"{field}.env", errors),
            TimeoutSeconds = step.TimeoutSeconds,
            Needs = needs.Where(n => n?.Step is not null).Select(n => new JobStepNeed { Step = n.Step!, Artifacts = n.Artifacts }).ToList(),
            When = step.When ?? StepWhen.Success,
            AllowFailure = step.AllowFailure ?? false,
            ResourceClass = step.ResourceClass,
            ConcurrencyGroup = step.ConcurrencyGroup,
            // Canonical: a group always carries its limit, so "1" and "left out" store the same.
            Concurrency = step.ConcurrencyGroup is null ? null : step.Concurrency ?? 1,
            // { onLost: 0 } is kept: it turns off a retry the job's top-level retry would give.
            Retry = step.Retry?.OnLost is { } onLost ? new RetryPolicy { OnLost = onLost } : null,
            Matrix = step.Matrix is { } matrix ? StepMatrixValidator.Validate(matrix, $"{field}.matrix", errors) : null,
        };
    }

    /// <summary>
    /// Plain environment variables (the job's <c>env</c> or a step's): names as for parameters, CI and NARWHAL_*
    /// reserved. Canonical: none is null, whether left out or sent as <c>{}</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Variables(Dictionary<string, string>? env, string field, ValidationErrors errors)
    {
        if (env is null || env.Count == 0) return null;
        if (env.Count > MaxVariables)
        {
            errors.Add(field, $"At most {MaxVariables} variables; {env.Count} were given.");
            return null;
        }
        foreach (var (name, value) in env)
        {
            if (!Names.ParameterName().IsMatch(name))
                errors.Add(field, $"'{name}' is not a valid variable name (1-100 letters, digits or '_', not starting with a digit).");
            else if (name == "CI" || name.StartsWith("NARWHAL_", StringComparison.Ordinal))
                errors.Add(field, $"'{name}' is reserved for the variables Narwhal sets itself.");
            if (value is null) errors.Add($"{field}.{name}", "A value is a string (null is not one).");
            else if (value.Length > TriggerValidator.MaxParameterValueLength)
                errors.Add($"{field}.{name}", $"At most {TriggerValidator.MaxParameterValueLength} characters.");
        }
        return env;
    }

    /// <summary>Where a graph problem is: the need it names, else its step, else the whole <c>steps</c> (none given).</summary>
    private static string FieldOf(StepGraphProblem problem, List<JobStep> steps) =>
        steps.Count == 0 ? "steps"
        : problem.NeedIndex is { } need ? $"steps.{steps[problem.StepIndex].Key}.needs[{need}]"
        : $"steps.{steps[problem.StepIndex].Key}";

    /// <summary>The graph's messages are clauses (a config file error prefixes its position): here they are sentences.</summary>
    internal static string Sentence(string clause) => $"{char.ToUpperInvariant(clause[0])}{clause[1..]}.";
}
