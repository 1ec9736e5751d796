using Narwhal.Core.Pipelines;

namespace Narwhal.Runner.JobConfigs;

/// <summary>The conditions of a step's <c>when</c> mapping (branch, event, changes), each value checked where it is written.</summary>
internal static class ConditionConfigMapper
{
    private const int MaxPatternLength = 255;

    /// <summary>Null when the step has no conditions (also for <c>when: always</c> written alone).</summary>
    public static StepCondition? ToCondition(RawWhen? raw)
    {
        if (raw is null || (raw.Branch is null && raw.Event is null && raw.Changes is null)) return null;
        return new StepCondition
        {
            Branch = [.. Items(raw.Branch, "'branch'").Select(b => Pattern(b, "'branch'"))],
            Event = [.. Items(raw.Event, "'event'").Select(Event)],
            Changes = [.. Items(raw.Changes, "'changes'").Select(path => RepoPaths.Glob(Checked(path, "'changes'"), "'changes'"))],
        };
    }

    private static IReadOnlyList<RawScalar> Items(RawList? list, string what) => list is null ? []
        : list.Items.Count == 0 ? throw ConfigError.At(list.Start, $"{what} lists nothing: leave it out to not restrict")
        : list.Items;

    private static string Pattern(RawScalar pattern, string what) => Checked(pattern, what).Value;

    private static RawScalar Checked(RawScalar value, string what) =>
        value.Value.Length > MaxPatternLength || value.Value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || value.Value.Length == 0
            ? throw ConfigError.At(value.Start, $"'{value.Value}' in {what} is not a pattern: 1-{MaxPatternLength} characters, no spaces")
            : value;

    private static string Event(RawScalar value) => StepEvents.All.Contains(value.Value, StringComparer.Ordinal)
        ? value.Value
        : throw ConfigError.At(value.Start, $"'{value.Value}' in 'event' is not an event: {string.Join(", ", StepEvents.All)}");
}
