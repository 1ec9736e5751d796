namespace Narwhal.Runner.JobConfigs;

/// <summary>A file with <c>steps</c>: the steps in file order, each with the top-level defaults merged in.</summary>
public sealed record PipelineConfig
{
    /// <summary>At the first step failing without <c>allowFailure</c>, abort what is queued or running and skip what waits to succeed.</summary>
    public bool FailFast { get; init; }

    /// <summary>In file order; a sound graph (<see cref="Narwhal.Core.Pipelines.StepGraph.Check"/>) of at most 100 steps.</summary>
    public required IReadOnlyList<StepConfig> Steps { get; init; }
}
