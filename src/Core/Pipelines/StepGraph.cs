namespace Narwhal.Core.Pipelines;

/// <summary>
/// The rules a pipeline's graph obeys, the same for a repository's config file and a freestyle job's JSON:
/// valid unique keys, needs naming other steps once each, no cycle, a <c>when: failure</c> step with
/// something to fail, at most <see cref="PipelineLimits.MaxSteps"/> steps. Callers turn the problem into
/// their own error shape (a file position, a problem+json field).
/// </summary>
public static class StepGraph
{
    /// <summary>The first problem in file order, or null when the graph is sound.</summary>
    public static StepGraphProblem? Check(IReadOnlyList<StepNode> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0) return new StepGraphProblem(0, null, "'steps' is empty: give at least one step");
        if (steps.Count > PipelineLimits.MaxSteps)
            return new StepGraphProblem(PipelineLimits.MaxSteps, null, $"a pipeline has at most {PipelineLimits.MaxSteps} steps, this one has {steps.Count}");

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            var key = steps[i].Key;
            if (!StepKeys.IsValid(key)) return new StepGraphProblem(i, null, $"'{key}' is not a valid step key: {StepKeys.Rule}");
            if (!index.TryAdd(key, i)) return new StepGraphProblem(i, null, $"step '{key}' is defined twice");
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var n = 0; n < step.Needs.Count; n++)
            {
                var need = step.Needs[n];
                if (need == step.Key) return new StepGraphProblem(i, n, $"step '{step.Key}' needs itself");
                if (!index.ContainsKey(need)) return new StepGraphProblem(i, n, $"step '{step.Key}' needs '{need}', which is not a step of this pipeline");
                if (!seen.Add(need)) return new StepGraphProblem(i, n, $"step '{step.Key}' lists '{need}' twice in 'needs'");
            }
            if (step.When == StepWhen.Failure && step.Needs.Count == 0)
                return new StepGraphProblem(i, null, $"step '{step.Key}' runs 'when: failure' but needs no step: name the steps whose failure it handles in 'needs'");
        }

        return FindCycle(steps, index) is { } cycle
            ? new StepGraphProblem(cycle[0], null, $"steps form a cycle: {string.Join(" → ", cycle.Select(i => steps[i].Key))} → {steps[cycle[0]].Key}")
            : null;
    }

    /// <summary>Step indexes in topological order (needs first; file order among the ready). The graph must be sound.</summary>
    public static IReadOnlyList<int> Order(IReadOnlyList<StepNode> steps)
    {
        var index = steps.Select((s, i) => (s.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);
        var placed = new bool[steps.Count];
        var order = new List<int>(steps.Count);
        while (order.Count < steps.Count)
        {
            // The first step in file order whose needs are all placed: placing one may make an earlier one ready.
            var ready = Enumerable.Range(0, steps.Count).FirstOrDefault(i => !placed[i] && steps[i].Needs.All(n => placed[index[n]]), -1);
            if (ready < 0) throw new InvalidOperationException("The steps form a cycle; check the graph first.");
            placed[ready] = true;
            order.Add(ready);
        }
        return order;
    }

    /// <summary>How deep each step sits: 0 without needs, else one more than its deepest need. The graph must be sound.</summary>
    public static IReadOnlyList<int> Depths(IReadOnlyList<StepNode> steps)
    {
        var index = steps.Select((s, i) => (s.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);
        var depth = new int[steps.Count];
        foreach (var i in Order(steps))
            depth[i] = steps[i].Needs.Count == 0 ? 0 : steps[i].Needs.Max(n => depth[index[n]]) + 1;
        return depth;
    }

    /// <summary>A cycle as step indexes in need order, starting at the step written first; null if none.</summary>
    private static List<int>? FindCycle(IReadOnlyList<StepNode> steps, Dictionary<string, int> index)
    {
        // 0 unvisited, 1 on the current path, 2 done. Iterative: 100 steps deep must not need 100 stack frames of ours.
        var state = new int[steps.Count];
        for (var root = 0; root < steps.Count; root++)
        {
            if (state[root] != 0) continue;
            var path = new List<int> { root };
            var next = new List<int> { 0 };
            state[root] = 1;
            while (path.Count > 0)
            {
                var current = path[^1];
                var needs = steps[current].Needs;
                if (next[^1] == needs.Count)
                {
                    state[current] = 2;
                    path.RemoveAt(path.Count - 1);
                    next.RemoveAt(next.Count - 1);
                    continue;
                }
                var target = index[needs[next[^1]++]];
                if (state[target] == 1)
                {
                    var cycle = path.Skip(path.IndexOf(target)).ToList();
                    // Start at the step written first, keep the direction: "a → b → c → a".
                    var first = cycle.IndexOf(cycle.Min());
                    var rotated = cycle.Skip(first).Concat(cycle.Take(first)).ToList();
                    // The path follows needs (a needs b): reversed, it reads as the order steps would run in.
                    rotated.Reverse();
                    var start = rotated.IndexOf(rotated.Min());
                    return rotated.Skip(start).Concat(rotated.Take(start)).ToList();
                }
                if (state[target] == 0)
                {
                    state[target] = 1;
                    path.Add(target);
                    next.Add(0);
                }
            }
        }
        return null;
    }
}
