namespace Narwhal.Core.Pipelines;

/// <summary>
/// A step's <c>matrix</c>: the step runs once per combination of its axes' values, less the combinations
/// <see cref="Exclude"/> matches, plus those <see cref="Include"/> adds. Expanded when the pipeline is planned
/// (<see cref="StepMatrices.Expand"/>), so each instance is an ordinary step of the recorded plan.
/// </summary>
public sealed record StepMatrix
{
    /// <summary>In the order written: the first axis varies slowest, and instance names list the axes in this order.</summary>
    public required IReadOnlyList<MatrixAxis> Axes { get; init; }

    /// <summary>Each entry leaves out every combination that has all of its values.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Exclude { get; init; } = [];

    /// <summary>Each entry is one more combination (its names may go beyond the axes), unless it is one already.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Include { get; init; } = [];
}

/// <summary>One axis: a variable name and the values it takes, each given to its instance under that name.</summary>
public sealed record MatrixAxis(string Name, IReadOnlyList<string> Values);

/// <summary>One instance's values, axes first in their order, then the names only an include gives.</summary>
public sealed record MatrixCombination(IReadOnlyList<KeyValuePair<string, string>> Values);
