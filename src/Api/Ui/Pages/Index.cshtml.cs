using Narwhal.Api.Runs;
using Narwhal.Core.Fleet;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Pages;

/// <summary>The dashboard: recent runs of every job, what waits per resource class, and the Runners at a glance.</summary>
public sealed class IndexModel(RunStore runs, UiQueries queries, RunnerStore runners) : UiPageModel
{
    public const int RecentRuns = 20;

    public IReadOnlyList<Run> Recent { get; private set; } = [];
    public IReadOnlyList<QueueDepth> Queues { get; private set; } = [];
    public int Online { get; private set; }
    public int Busy { get; private set; }
    public int Draining { get; private set; }
    public int Offline { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Recent = (await runs.ListAsync(new RunFilter { Limit = RecentRuns }, ct)).Items;
        Queues = await queries.QueueDepthsAsync(ct);
        var fleet = await runners.ListAsync(ct);
        Online = fleet.Count(r => r.State == RunnerState.Online);
        Busy = fleet.Count(r => r.State != RunnerState.Offline && r.RunningRunIds.Count > 0);
        Draining = fleet.Count(r => r.State == RunnerState.Draining);
        Offline = fleet.Count(r => r.State == RunnerState.Offline);
    }
}
