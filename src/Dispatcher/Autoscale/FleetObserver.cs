using Narwhal.Core.Fleet;
using Narwhal.Dispatcher.Fleet;
using Narwhal.Dispatcher.Metrics;

namespace Narwhal.Dispatcher.Autoscale;

/// <summary>
/// Looks at the fleet once (queue depths from the broker, Runners and active runs from Postgres),
/// computes the autoscaling answer, and leaves the figures for the gauges. Called by the fleet scan
/// at every tick and by GET /autoscale.
/// </summary>
public sealed class FleetObserver(
    QueueDepthReader queues, RunnerStore runners, ActiveRunStore activeRuns, AutoscaleSettings scaling, DispatcherMetrics metrics)
{
    public async Task<AutoscaleReport> ObserveAsync(CancellationToken ct)
    {
        // The broker and Postgres are asked in parallel; WhenAll observes every failure.
        var depthsTask = queues.ReadAsync(ct);
        var registryTask = runners.ListAsync(ct);
        var activeTask = activeRuns.CountAsync(ct);
        await Task.WhenAll(depthsTask, registryTask, activeTask);
        var (depths, registry, active) = (depthsTask.Result, registryTask.Result, activeTask.Result);

        var loads = scaling.Classes.ToDictionary(c => c, c => new ClassLoad(c,
            depths.TryGetValue(c, out var d) ? d.Ready : 0,
            depths.TryGetValue(c, out d) ? d.Unacked : 0,
            active.Running(c)), StringComparer.Ordinal);
        var loadOfRunners = registry.Select(r => new RunnerLoad(
            r.Id, r.Classes,
            Online: r.State != RunnerState.Offline,
            Leaving: r.State == RunnerState.Draining || r.DrainRequestedAt is not null,
            Busy: active.RunningOn(r.Id) > 0 || r.RunningRunIds.Count > 0)).ToList();
        var report = AutoscaleCalculator.Compute(scaling.Classes, scaling.ByClass, loads, loadOfRunners);

        metrics.Observed(new FleetGauges(
            scaling.Classes.Select(c => depths.TryGetValue(c, out var q) ? q : new QueueDepth(c, 0, 0)).ToList(),
            Enum.GetValues<RunnerState>().ToDictionary(s => s, s => registry.Count(r => r.State == s)),
            active.ByStatus,
            report.Classes));
        return report;
    }
}
