using Narwhal.Testing;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>A database of its own per fixture, and a job of its own per planned pipeline.</summary>
public abstract class PipelineFixture : DatabaseFixture
{
    private int _jobs;

    protected string NextJobName() => $"pipeline-{Interlocked.Increment(ref _jobs)}";

    protected Task<PipelineRows> PlanAsync(IReadOnlyList<PlannedStep> steps, bool failFast = false) =>
        PipelineRows.PlanAsync(Database, NextJobName(), steps, failFast);
}
