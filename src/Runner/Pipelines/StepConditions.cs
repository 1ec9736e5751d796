using Microsoft.Extensions.FileSystemGlobbing;
using Narwhal.Core.Jobs;
using Narwhal.Core.Pipelines;

namespace Narwhal.Runner.Pipelines;

/// <summary>What a run offers the conditions of its steps: its branch, its event, and its changed paths (null: not known).</summary>
public sealed record ConditionContext(string? Branch, string Event, IReadOnlyList<string>? ChangedPaths);

/// <summary>Judges a step's <see cref="StepCondition"/> against its run, once, when the pipeline is planned.</summary>
public static class StepConditions
{
    /// <summary>Why the step is left out of this run, or null when every condition holds.</summary>
    public static string? Unmet(StepCondition? condition, ConditionContext run)
    {
        if (condition is null) return null;
        if (condition.Branch.Count > 0)
        {
            if (run.Branch is null) return $"when.branch ({List(condition.Branch)}): the run has no branch.";
            if (!BranchPattern.MatchesAny(condition.Branch, run.Branch)) return $"when.branch: '{run.Branch}' is not {List(condition.Branch)}.";
        }
        if (condition.Event.Count > 0 && !condition.Event.Contains(run.Event, StringComparer.Ordinal))
            return $"when.event: the run's event is {run.Event}, not {List(condition.Event)}.";
        // Nothing to compare with (an API trigger, a new branch): the step runs rather than be skipped on a guess.
        if (condition.Changes.Count > 0 && run.ChangedPaths is { } paths)
        {
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddIncludePatterns(condition.Changes);
            if (!matcher.Match(paths).HasMatches)
                return $"when.changes: none of the {paths.Count} changed path(s) is under {List(condition.Changes)}.";
        }
        return null;
    }

    private static string List(IReadOnlyList<string> values) => string.Join(" or ", values.Select(v => $"'{v}'"));
}
