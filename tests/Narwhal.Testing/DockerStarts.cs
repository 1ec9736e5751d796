using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;

namespace Narwhal.Testing;

/// <summary>One <c>start</c> of a container, as the Docker engine reported it: when, and the container's labels.</summary>
public sealed record ContainerStart(string ContainerId, DateTimeOffset At, IReadOnlyDictionary<string, string> Labels)
{
    public string? Label(string name) => Labels.GetValueOrDefault(name);
}

/// <summary>
/// The Docker engine's <c>start</c> events of one instance's containers, followed from
/// <see cref="Open"/> (the window's start) until disposed. Executions counted here are the engine's,
/// not Narwhal's records: a step whose container started twice counts twice, whatever the database says.
/// The subscription asks the engine for the events since the moment it was opened, so a container
/// started while the subscription was being set up is not missed (the engine replays its recent events).
/// </summary>
public sealed class DockerStarts : IAsyncDisposable, IProgress<Message>
{
    private readonly DockerClient _docker;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ContainerStart> _starts = [];
    private Task _follow = Task.CompletedTask;

    private DockerStarts(string dockerHost, string instance)
    {
        _docker = DockerClientFactory.Create(dockerHost);
        Instance = instance;
        OpenedAt = DateTimeOffset.UtcNow;
    }

    public string Instance { get; }
    /// <summary>The start of the window: no event before it is counted.</summary>
    public DateTimeOffset OpenedAt { get; }
    /// <summary>Why the engine stopped delivering events, if it did: the counts are then incomplete.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Follows the start events of containers labelled <c>org.narwhal.instance=<paramref name="instance"/></c> from now on.</summary>
    public static DockerStarts Open(string instance, string? dockerHost = null)
    {
        var starts = new DockerStarts(dockerHost ?? TestEnvironment.DockerHost, instance);
        var parameters = new ContainerEventsParameters
        {
            // Whole seconds (rounded down): the events of the same second before the window are dropped when counted.
            Since = starts.OpenedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
                ["event"] = new Dictionary<string, bool> { ["start"] = true },
                ["label"] = new Dictionary<string, bool> { [$"{RunLabels.Instance}={instance}"] = true },
            },
        };
        starts._follow = starts.FollowAsync(parameters);
        return starts;
    }

    private async Task FollowAsync(ContainerEventsParameters parameters)
    {
        try
        {
            await _docker.System.MonitorEventsAsync(parameters, this, _stop.Token);
            if (!_stop.IsCancellationRequested) Failure = new IOException("the engine closed the events stream");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Failure = ex;
        }
    }

    /// <summary>Called by the client for every event it reads (in order, on its reading loop).</summary>
    void IProgress<Message>.Report(Message value)
    {
        if (value.Action != "start") return;
        var at = value.TimeNano is { } nano ? DateTimeOffset.FromUnixTimeMilliseconds(nano / 1_000_000) : DateTimeOffset.UtcNow;
        var labels = new Dictionary<string, string>(value.Actor?.Attributes ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        lock (_starts) _starts.Add(new ContainerStart(value.Actor?.ID ?? "", at, labels));
    }

    /// <summary>The starts so far within [<paramref name="from"/>, <paramref name="to"/>] (default: the whole window).</summary>
    public IReadOnlyList<ContainerStart> Starts(DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        if (Failure is { } failure) throw new InvalidOperationException($"The Docker events stream of instance {Instance} failed: {failure.Message}", failure);
        var since = from ?? OpenedAt;
        lock (_starts) return _starts.Where(s => s.At >= since && (to is null || s.At <= to)).ToList();
    }

    /// <summary>
    /// Starts of the containers of a pipeline run's steps, per step key (<c>org.narwhal.step</c>, among the
    /// containers labelled <c>org.narwhal.pipeline-run-id=<paramref name="pipelineRunId"/></c>).
    /// </summary>
    public Dictionary<string, int> PerStep(Guid pipelineRunId, DateTimeOffset? from = null, DateTimeOffset? to = null) =>
        Starts(from, to)
            .Where(s => s.Label(RunLabels.PipelineRunId) == pipelineRunId.ToString() && s.Label(RunLabels.Step) is not null)
            .GroupBy(s => s.Label(RunLabels.Step)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Starts of containers whose label <paramref name="label"/> is <paramref name="value"/>.</summary>
    public int Count(string label, string value, DateTimeOffset? from = null, DateTimeOffset? to = null) =>
        Starts(from, to).Count(s => s.Label(label) == value);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _follow.WaitAsync(TimeSpan.FromSeconds(5)); } catch (TimeoutException) { /* the client is disposed next, which ends it */ }
        _docker.Dispose();
        _stop.Dispose();
    }
}
