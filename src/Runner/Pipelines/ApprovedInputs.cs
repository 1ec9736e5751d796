using System.Collections.ObjectModel;
using Narwhal.Core.Persistence;
using Narwhal.Runner.JobConfigs;

namespace Narwhal.Runner.Pipelines;

/// <summary>
/// The inputs approvers gave the pipeline's gates (run_steps.decision_inputs of approved gates, read with the claim),
/// as environment variables of a step: over the step's own plain env (the decision is the later word), under secrets
/// and Narwhal's own variables (a field may not be named CI or NARWHAL_*).
/// </summary>
public static class ApprovedInputs
{
    /// <param name="inputsJson">A JSON object of name → value, or null when no gate of the pipeline was approved with inputs.</param>
    public static JobConfig MergeInto(JobConfig definition, string? inputsJson)
    {
        if (inputsJson is null) return definition;
        var inputs = Json.Deserialize<Dictionary<string, string>>(inputsJson);
        if (inputs.Count == 0) return definition;
        var env = new Dictionary<string, string>(definition.Env, StringComparer.Ordinal);
        foreach (var (name, value) in inputs) env[name] = value;
        return definition with { Env = new ReadOnlyDictionary<string, string>(env) };
    }
}
