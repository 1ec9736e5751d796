namespace Narwhal.Core.Pipelines;

/// <summary>A step as the graph sees it: its key, what it needs (keys, in the order written) and when it runs.</summary>
public sealed record StepNode(string Key, IReadOnlyList<string> Needs, StepWhen When);

/// <summary>What is wrong with a pipeline's graph, pointing at a step (index in file order) and, when it is about one, a need of it.</summary>
public sealed record StepGraphProblem(int StepIndex, int? NeedIndex, string Message);
