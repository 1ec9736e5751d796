using System.Text.Json;
using System.Text.Json.Nodes;
using Narwhal.Core.Jobs;
using Narwhal.Core.Persistence;

namespace Narwhal.Api.Jobs;

/// <summary>One field a job PUT changes: its dot path in the spec JSON (<c>git.defaultBranch</c>), the stored value and the new one (null = absent).</summary>
public sealed record JobFieldChange(string Field, JsonNode? From, JsonNode? To);

/// <summary>
/// Which fields of the canonical spec JSON (<see cref="Json.Options"/>: what is stored and what the API shows) differ
/// between two job specs: the plan an infrastructure-as-code client prints. Objects are walked field by field
/// (<c>git.url</c>); arrays (<c>script</c>, <c>parameters</c>) and scalars compare as whole values; an absent field
/// equals null. Specs that serialize to equal JSON have no changes, in step with the jsonb equality that makes
/// <see cref="JobStore.SaveAsync"/> answer "unchanged".
/// </summary>
public static class JobSpecDiff
{
    public static IReadOnlyList<JobFieldChange> Between(JobSpec before, JobSpec after) =>
        Between(JsonSerializer.SerializeToNode(before, Json.Options), JsonSerializer.SerializeToNode(after, Json.Options));

    /// <summary>Compares spec JSON as stored (jsonb text) with a new spec's JSON, so fields the stored JSON has and the
    /// current <see cref="JobSpec"/> no longer knows still show as changes.</summary>
    public static IReadOnlyList<JobFieldChange> Between(string beforeJson, string afterJson) =>
        Between(JsonNode.Parse(beforeJson), JsonNode.Parse(afterJson));

    /// <summary>Changes in field order of <paramref name="after"/>, then the fields only <paramref name="before"/> has.</summary>
    public static IReadOnlyList<JobFieldChange> Between(JsonNode? before, JsonNode? after)
    {
        var changes = new List<JobFieldChange>();
        var (beforeSteps, afterSteps) = (StepsByKey(before), StepsByKey(after));
        Walk(path: "", Replace(before, beforeSteps), Replace(after, afterSteps), changes);
        if (OrderChange(beforeSteps, afterSteps) is { } reordered) changes.Add(reordered);
        return changes;
    }

    /// <summary>
    /// A pipeline's steps are stored as a list and shown as an object keyed by step key (the shape PUT takes): walked
    /// in that shape, the plan names <c>steps.test.script</c> rather than the whole list.
    /// </summary>
    private static JsonObject? StepsByKey(JsonNode? spec)
    {
        if (spec is not JsonObject { } obj || obj["steps"] is not JsonArray list) return null;
        var steps = list.Deserialize<List<JobStep>>(Json.Options) ?? [];
        return JsonSerializer.SerializeToNode(Dtos.JobStepDto.MapOf(steps), Json.Options)!.AsObject();
    }

    private static JsonNode? Replace(JsonNode? spec, JsonObject? steps)
    {
        if (steps is null) return spec;
        var copy = spec!.DeepClone().AsObject();
        copy["steps"] = steps;
        return copy;
    }

    /// <summary>Steps kept but written in another order: the field walk cannot see it, the run's order can.</summary>
    private static JobFieldChange? OrderChange(JsonObject? before, JsonObject? after)
    {
        if (before is null || after is null) return null;
        var kept = before.Select(p => p.Key).Where(after.ContainsKey).ToList();
        var keptAfter = after.Select(p => p.Key).Where(before.ContainsKey).ToList();
        return kept.SequenceEqual(keptAfter, StringComparer.Ordinal)
            ? null
            : new JobFieldChange("steps", ToArray(before), ToArray(after));
    }

    private static JsonArray ToArray(JsonObject steps) => [.. steps.Select(p => (JsonNode?)JsonValue.Create(p.Key))];

    private static void Walk(string path, JsonNode? before, JsonNode? after, List<JobFieldChange> changes)
    {
        // An object against an object, or against nothing (a git source added or removed): field by field, so the
        // plan always shows leaves. Anything else (arrays, scalars, an object against a scalar): one whole value.
        if (before is JsonObject or null && after is JsonObject or null && (before ?? after) is not null)
        {
            var beforeObject = before as JsonObject;
            var afterObject = after as JsonObject;
            var names = (afterObject?.Select(p => p.Key) ?? [])
                .Concat(beforeObject?.Select(p => p.Key).Where(k => afterObject?.ContainsKey(k) != true) ?? []);
            foreach (var name in names)
                Walk(path.Length == 0 ? name : $"{path}.{name}", beforeObject?[name], afterObject?[name], changes);
            return;
        }
        if (!JsonNode.DeepEquals(before, after))
            changes.Add(new JobFieldChange(path, before?.DeepClone(), after?.DeepClone()));
    }
}
