using Narwhal.Api.Dtos;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Validation;

/// <summary>A freestyle step's <c>matrix</c>, by the rules a config file's follows (<see cref="StepMatrices"/>), each wrong field named.</summary>
public static class StepMatrixValidator
{
    /// <summary>The canonical matrix, or null when something is wrong (then <paramref name="errors"/> says what).</summary>
    public static StepMatrix? Validate(StepMatrixDto matrix, string field, ValidationErrors errors)
    {
        var before = errors.Count;
        if (matrix.Axes is not { Count: > 0 } axes)
        {
            errors.Add($"{field}.axes", "Required: at least one variable and its values, e.g. { \"NODE\": [\"18\", \"20\"] }.");
            return null;
        }
        foreach (var (name, values) in axes)
        {
            Name(name, $"{field}.axes", errors);
            if (values is not { Count: > 0 }) errors.Add($"{field}.axes.{name}", "At least one value.");
            else if (values.Distinct(StringComparer.Ordinal).Count() != values.Count) errors.Add($"{field}.axes.{name}", "A value is listed twice.");
            else foreach (var value in values) Value(value, $"{field}.axes.{name}", errors);
        }
        Entries(matrix.Exclude, $"{field}.exclude", [.. axes.Keys], errors);
        Entries(matrix.Include, $"{field}.include", null, errors);
        if (errors.Count != before) return null;

        var result = new StepMatrix
        {
            Axes = [.. axes.Select(a => new MatrixAxis(a.Key, a.Value))],
            Exclude = [.. (matrix.Exclude ?? []).Select(e => (IReadOnlyDictionary<string, string>)e)],
            Include = [.. (matrix.Include ?? []).Select(e => (IReadOnlyDictionary<string, string>)e)],
        };
        if (StepMatrices.Problem(result, out _) is { } problem)
        {
            errors.Add(field, $"{char.ToUpperInvariant(problem[0])}{problem[1..]}.");
            return null;
        }
        return result;
    }

    private static void Entries(List<Dictionary<string, string>>? entries, string field, IReadOnlyCollection<string>? axes, ValidationErrors errors)
    {
        for (var i = 0; i < (entries?.Count ?? 0); i++)
        {
            var entry = entries![i];
            if (entry is not { Count: > 0 })
            {
                errors.Add($"{field}[{i}]", "An entry names at least one variable.");
                continue;
            }
            foreach (var (name, value) in entry)
            {
                if (axes is not null && !axes.Contains(name))
                    errors.Add($"{field}[{i}]", $"'{name}' is not an axis of the matrix (axes: {string.Join(", ", axes)}).");
                else Name(name, $"{field}[{i}]", errors);
                Value(value, $"{field}[{i}].{name}", errors);
            }
        }
    }

    private static void Name(string name, string field, ValidationErrors errors)
    {
        if (!StepMatrices.IsName(name)) errors.Add(field, $"'{name}' is not a matrix variable: {StepMatrices.NameRule}.");
    }

    private static void Value(string? value, string field, ValidationErrors errors)
    {
        if (value is null || !StepMatrices.IsValue(value)) errors.Add(field, $"'{value}' is not a matrix value: {StepMatrices.ValueRule}.");
    }
}
