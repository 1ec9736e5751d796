using Narwhal.Core.Pipelines;

namespace Narwhal.Runner.Pipelines;

/// <summary>
/// Turns each step with a matrix into one step per combination, and each need of a matrix step into a need of
/// all its instances, before the plan is recorded: from then on an instance is an ordinary step (its own row,
/// status, log, retry). The graph was checked on the steps as written, which has the same cycles and unknown needs.
/// </summary>
public static class MatrixSteps
{
    public static IReadOnlyList<PlannedStep> Expand(IReadOnlyList<(PlannedStep Step, StepMatrix? Matrix)> steps)
    {
        if (steps.All(s => s.Matrix is null)) return [.. steps.Select(s => s.Step)];

        var instances = steps.ToDictionary(
            s => s.Step.Key,
            s => s.Matrix is null ? [] : StepMatrices.Expand(s.Matrix),
            StringComparer.Ordinal);
        IReadOnlyList<string> Keys(string key) => instances[key] is { Count: > 0 } combinations
            ? [.. combinations.Select(c => StepMatrices.InstanceKey(key, c))]
            : [key];

        var expanded = new List<PlannedStep>();
        foreach (var (step, _) in steps)
        {
            var needs = step.Needs.SelectMany(Keys).ToList();
            var artifactsFrom = step.ArtifactsFrom.SelectMany(Keys).ToList();
            var combinations = instances[step.Key];
            if (combinations.Count == 0)
            {
                expanded.Add(step with { Needs = needs, ArtifactsFrom = artifactsFrom });
                continue;
            }
            foreach (var combination in combinations)
            {
                var env = new Dictionary<string, string>(step.Definition.Env, StringComparer.Ordinal);
                foreach (var (name, value) in combination.Values) env[name] = value;
                expanded.Add(step with
                {
                    Key = StepMatrices.InstanceKey(step.Key, combination),
                    Needs = needs,
                    ArtifactsFrom = artifactsFrom,
                    Matrix = new StepInstance(step.Key, combination.Values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal).AsReadOnly()),
                    Definition = step.Definition with { Env = env.AsReadOnly() },
                });
            }
        }
        return expanded;
    }
}
