using Narwhal.Core.Pipelines;

namespace Narwhal.Runner.JobConfigs;

/// <summary>A step's <c>matrix</c>, every name and value checked where it is written, then the whole by <see cref="StepMatrices"/>.</summary>
internal static class MatrixConfigMapper
{
    public static StepMatrix? ToMatrix(string stepKey, RawMatrix? raw)
    {
        if (raw is null) return null;
        if (raw.Axes is not { Entries.Count: > 0 } axes)
            throw ConfigError.At(raw.Start, $"the matrix of step '{stepKey}' needs 'axes': a mapping of variable names to lists of values");

        var axisList = axes.Entries.Select(entry => new MatrixAxis(Name(entry.Key, "'axes'"), Values(entry.Value, entry.Key.Value))).ToList();
        var axisNames = axisList.Select(axis => axis.Name).ToHashSet(StringComparer.Ordinal);
        var matrix = new StepMatrix
        {
            Axes = axisList,
            Exclude = [.. (raw.Exclude?.Items ?? []).Select(entry => Combination(entry, "'exclude'", axisNames))],
            Include = [.. (raw.Include?.Items ?? []).Select(entry => Combination(entry, "'include'", null))],
        };
        if (StepMatrices.Problem(matrix, out _) is { } problem)
            throw ConfigError.At(raw.Start, $"the matrix of step '{stepKey}': {problem}");
        return matrix;
    }

    private static string Name(RawScalar name, string where) => StepMatrices.IsName(name.Value)
        ? name.Value
        : throw ConfigError.At(name.Start, $"'{name.Value}' in {where} is not a matrix variable: {StepMatrices.NameRule}");

    private static string Value(RawScalar value, string where) => StepMatrices.IsValue(value.Value)
        ? value.Value
        : throw ConfigError.At(value.Start, $"'{value.Value}' in {where} is not a matrix value: {StepMatrices.ValueRule}");

    private static List<string> Values(RawList values, string axis)
    {
        if (values.Items.Count == 0) throw ConfigError.At(values.Start, $"axis '{axis}' has no values");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values.Items)
            if (!seen.Add(Value(value, $"axis '{axis}'")))
                throw ConfigError.At(value.Start, $"axis '{axis}' lists '{value.Value}' twice");
        return [.. values.Items.Select(v => v.Value)];
    }

    /// <summary>An entry of exclude (names limited to the axes) or include (any matrix variable).</summary>
    private static Dictionary<string, string> Combination(RawMap<RawScalar> entry, string where, HashSet<string>? axes)
    {
        if (entry.Entries.Count == 0) throw ConfigError.At(entry.Start, $"an entry of {where} names no variable");
        foreach (var (name, _) in entry.Entries)
            if (axes is not null && !axes.Contains(name.Value))
                throw ConfigError.At(name.Start, $"'{name.Value}' in {where} is not an axis of the matrix (axes: {string.Join(", ", axes)})");
        return entry.Entries.ToDictionary(e => Name(e.Key, where), e => Value(e.Value, $"'{e.Key.Value}' in {where}"), StringComparer.Ordinal);
    }
}
