using Narwhal.Core.Runs;

namespace Narwhal.Dispatcher.Fleet;

/// <summary>How many runs are queued or running, by class and by Runner: what autoscaling and the gauges need.</summary>
public sealed record ActiveRuns(
    IReadOnlyDictionary<RunStatus, int> ByStatus,
    IReadOnlyDictionary<string, int> RunningByClass,
    IReadOnlyDictionary<string, int> RunningByRunner)
{
    public int Running(string resourceClass) => RunningByClass.GetValueOrDefault(resourceClass);
    public int RunningOn(string runnerId) => RunningByRunner.GetValueOrDefault(runnerId);
}
