namespace Narwhal.Core.Pipelines;

/// <summary>
/// An instance of a matrix step, as recorded (<c>run_steps.matrix</c>) and shown: the key of the step as written
/// (<see cref="Of"/>, what other steps name in their needs) and the values of this instance.
/// </summary>
public sealed record StepInstance(string Of, IReadOnlyDictionary<string, string> Values);
