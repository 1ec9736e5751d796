using System.Diagnostics.Metrics;
using Narwhal.Dispatcher.Github.Statuses;

namespace Narwhal.Dispatcher.Github;

/// <summary>Counters of the commit status reporter on the Meter <c>Narwhal.Dispatcher.Github</c>, named as they appear on /metrics.</summary>
public sealed class GithubMetrics
{
    public const string MeterName = "Narwhal.Dispatcher.Github";

    private readonly Counter<long> _posted;
    private readonly Counter<long> _failed;

    public GithubMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _posted = meter.CreateCounter<long>("narwhal_github_statuses_posted_total",
            description: "Commit statuses GitHub accepted, by state (pending, success, failure, error).");
        _failed = meter.CreateCounter<long>("narwhal_github_statuses_failed_total",
            description: "Commit statuses dropped: refused by GitHub (4xx) or still failing at the give-up time.");
    }

    public void Posted(CommitStatusState state) => _posted.Add(1, new KeyValuePair<string, object?>("state", state.Name()));

    public void Failed() => _failed.Add(1);
}
