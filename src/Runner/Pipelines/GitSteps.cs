using Narwhal.Runner.JobConfigs;

namespace Narwhal.Runner.Pipelines;

/// <summary>A step of a repository's config file (defaults already merged by the parser) as it is recorded.</summary>
public static class GitSteps
{
    public static PlannedStep Plan(StepConfig step, string runResourceClass) => new()
    {
        Key = step.Key,
        Needs = step.Needs.Select(n => n.Key).ToList(),
        ArtifactsFrom = step.Needs.Where(n => n.Artifacts).Select(n => n.Key).ToList(),
        When = step.When,
        AllowFailure = step.AllowFailure,
        ResourceClass = step.ResourceClass ?? runResourceClass,
        ConcurrencyGroup = step.ConcurrencyGroup,
        Concurrency = step.Concurrency,
        RetryOnLost = step.RetryOnLost,
        Definition = step.Job,
        Block = step.Block,
    };
}
