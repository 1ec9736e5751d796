namespace Narwhal.Dispatcher.Autoscale;

/// <summary>
/// The arithmetic of queue-depth autoscaling, free of I/O. Per class:
/// <c>desired = max(clamp(ceil((ready + running) / slots), min, max), ceil(running / slots))</c>:
/// the max bound never asks to stop Runners that running runs occupy.
/// Scale-down is by drain only: the surplus (online − desired) is filled with idle online Runners,
/// and a Runner serving several classes is proposed only when every one of its classes has a
/// surplus (it is then listed under each of them, and counted once in each); single-class Runners
/// are proposed first.
/// </summary>
public static class AutoscaleCalculator
{
    public static int Desired(int ready, int running, ClassScaling scaling)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ready);
        ArgumentOutOfRangeException.ThrowIfNegative(running);
        ArgumentOutOfRangeException.ThrowIfLessThan(scaling.SlotsPerRunner, 1);
        var wanted = Math.Clamp(CeilDiv(ready + running, scaling.SlotsPerRunner), scaling.Min, scaling.Max);
        return Math.Max(wanted, CeilDiv(running, scaling.SlotsPerRunner));
    }

    public static AutoscaleReport Compute(
        IReadOnlyList<string> classes, IReadOnlyDictionary<string, ClassScaling> scaling,
        IReadOnlyDictionary<string, ClassLoad> loads, IReadOnlyList<RunnerLoad> runners)
    {
        var desired = classes.ToDictionary(c => c, c => Desired(Load(loads, c).Ready, Load(loads, c).Running, scaling[c]), StringComparer.Ordinal);
        var surplus = classes.ToDictionary(c => c, c => Online(runners, c).Count() - desired[c], StringComparer.Ordinal);

        // Runners serving fewer classes go first (one serving several is the more flexible capacity to keep), then by id: a stable answer.
        var drained = new List<RunnerLoad>();
        foreach (var candidate in runners.Where(r => r.Online && !r.Leaving && !r.Busy).OrderBy(r => r.Classes.Count).ThenBy(r => r.Id, StringComparer.Ordinal))
        {
            var served = candidate.Classes.Where(surplus.ContainsKey).Distinct().ToList();
            if (served.Count == 0 || served.Any(c => surplus[c] <= 0)) continue;
            foreach (var c in served) surplus[c]--;
            drained.Add(candidate);
        }

        return new AutoscaleReport(classes.Select(c =>
        {
            var load = Load(loads, c);
            var online = Online(runners, c).ToList();
            return new ClassAutoscale
            {
                Class = c,
                Ready = load.Ready,
                Unacked = load.Unacked,
                Running = load.Running,
                SlotsPerRunner = scaling[c].SlotsPerRunner,
                Min = scaling[c].Min,
                Max = scaling[c].Max,
                Desired = desired[c],
                Runners = new RunnerCounts(
                    Online: online.Count,
                    Draining: runners.Count(r => r.Online && r.Leaving && r.Classes.Contains(c)),
                    Busy: online.Count(r => r.Busy),
                    Idle: online.Count(r => !r.Busy)),
                Drainable = drained.Where(r => r.Classes.Contains(c)).Select(r => r.Id).ToList(),
            };
        }).ToList());
    }

    private static ClassLoad Load(IReadOnlyDictionary<string, ClassLoad> loads, string resourceClass) =>
        loads.TryGetValue(resourceClass, out var load) ? load : new ClassLoad(resourceClass, 0, 0, 0);

    /// <summary>Capacity: online, not leaving, serving the class.</summary>
    private static IEnumerable<RunnerLoad> Online(IReadOnlyList<RunnerLoad> runners, string resourceClass) =>
        runners.Where(r => r.Online && !r.Leaving && r.Classes.Contains(resourceClass));

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
