using Narwhal.Core.Pipelines;

namespace Narwhal.Runner.Pipelines;

/// <summary>
/// Settles, before the plan is recorded, what the steps left out by their conditions mean for the steps that need them,
/// so that the scheduling in Postgres only ever sees a consistent graph: a <c>success</c> step needing a left-out step is
/// left out too (it needed that step to run); for <c>failure</c> and <c>always</c> steps the need is dropped, as a step
/// that never runs can neither fail nor end — a <c>failure</c> step left with no need that could fail is left out.
/// </summary>
public static class ConditionalSteps
{
    public static IReadOnlyList<PlannedStep> Settle(IReadOnlyList<PlannedStep> steps)
    {
        if (steps.All(s => s.SkipReason is null)) return steps;
        var settled = steps.ToList();
        bool changed;
        do
        {
            changed = false;
            var leftOut = settled.Where(s => s.SkipReason is not null).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < settled.Count; i++)
            {
                var step = settled[i];
                if (step.SkipReason is not null || step.Needs.FirstOrDefault(leftOut.Contains) is not { } gone) continue;
                var kept = step.Needs.Where(n => !leftOut.Contains(n)).ToList();
                settled[i] = step.When switch
                {
                    StepWhen.Success => step with { SkipReason = $"Step '{gone}' it needs was left out by its condition." },
                    StepWhen.Failure when kept.Count == 0 => step with { SkipReason = "No step it needs runs, so none can fail." },
                    _ => step with { Needs = kept, ArtifactsFrom = [.. step.ArtifactsFrom.Where(n => !leftOut.Contains(n))] },
                };
                changed = true;
            }
        }
        while (changed);
        return settled;
    }
}
