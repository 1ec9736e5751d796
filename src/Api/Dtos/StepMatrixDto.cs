using System.Text.Json.Serialization;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Dtos;

/// <summary>
/// A step's <c>matrix</c>: <c>axes</c> maps each variable to its values (in order: the first varies slowest),
/// <c>exclude</c> leaves out every combination that has all the values of an entry, <c>include</c> adds combinations.
/// The step runs once per combination, named <c>test (node=20, os=bookworm)</c>, each value in its variable.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StepMatrixDto
{
    public OrderedDictionary<string, List<string>>? Axes { get; init; }
    public List<Dictionary<string, string>>? Exclude { get; init; }
    public List<Dictionary<string, string>>? Include { get; init; }

    public static StepMatrixDto From(StepMatrix matrix)
    {
        var axes = new OrderedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var axis in matrix.Axes) axes[axis.Name] = [.. axis.Values];
        return new StepMatrixDto
        {
            Axes = axes,
            Exclude = matrix.Exclude.Count == 0 ? null : [.. matrix.Exclude.Select(e => e.ToDictionary())],
            Include = matrix.Include.Count == 0 ? null : [.. matrix.Include.Select(e => e.ToDictionary())],
        };
    }
}
