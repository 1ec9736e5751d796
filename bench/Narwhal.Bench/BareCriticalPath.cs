using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Runner.Docker;
using Narwhal.Testing;

namespace Narwhal.Bench;

/// <summary>The bare containers of a fan-out/fan-in pipeline's critical path, without Narwhal.</summary>
public sealed record BareCriticalPathResult(
    int Paths, int Width, int Concurrency, int Warmup, IReadOnlyList<string> Command, string Limits, int Failed, IReadOnlyList<string> FirstErrors,
    Series Wall, Series CreateToStartEvent, Series CreateToRemoved, IReadOnlyList<string> LeftoversRemoved);

/// <summary>
/// What the pipeline phase's graph costs the engine alone: one container, then <c>width</c> containers with
/// <c>concurrency</c> in flight (workers taking the next as theirs ends), then one; each create → start → wait →
/// remove (<see cref="BareContainer"/>). Per path its wall time from the first create to the last removal, and per
/// container create → its Docker start event (the "bare container start" the step starts are set against). One path
/// at a time, so that the phase can run them between its pipelines, on the same machine at the same moment.
/// </summary>
public sealed class BareCriticalPath : IAsyncDisposable
{
    private readonly BareContainer _bare = BareContainer.New();
    private readonly DockerEngine _engine = new(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
    private readonly int _width;
    private readonly int _concurrency;
    private readonly List<double> _walls = [];
    private readonly List<double> _toStart = [];
    private readonly List<double> _toRemoved = [];
    private readonly List<string> _errors = [];
    private DockerEventStream? _events;
    private int _warmup;
    private int _failed;

    private BareCriticalPath(int width, int concurrency) => (_width, _concurrency) = (width, concurrency);

    public static async Task<BareCriticalPath> OpenAsync(int width, int concurrency, CancellationToken ct)
    {
        var path = new BareCriticalPath(width, concurrency);
        path._events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, path._bare.Instance, BareContainer.BenchIdLabel, ct);
        return path;
    }

    /// <summary>One path; a warm-up one is not counted and must not fail. A measured one that fails is counted and reported.</summary>
    public async Task RunAsync(bool warmup, CancellationToken ct)
    {
        try
        {
            var (wall, containers) = await OnePathAsync(ct);
            var starts = new List<double>();
            foreach (var (benchId, sent, _) in containers)
                starts.Add(WallClock.Ms(sent, (await _events!.WaitAsync(benchId, "start", TimeSpan.FromSeconds(15), ct)).TimeNano));
            if (warmup)
            {
                _warmup++;
                return;
            }
            _walls.Add(wall);
            _toStart.AddRange(starts);
            _toRemoved.AddRange(containers.Select(c => c.RemovedMs));
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            if (warmup) throw new InvalidOperationException($"The warm-up bare path failed: {ex.Message}", ex);
            _failed++;
            if (_errors.Count < 5) _errors.Add($"path {_walls.Count + _failed}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task<(double WallMs, List<(string BenchId, long Sent, double RemovedMs)> Containers)> OnePathAsync(CancellationToken ct)
    {
        var containers = new List<(string, long, double)>();
        async Task OneAsync(CancellationToken token)
        {
            var benchId = Guid.NewGuid().ToString("N");
            var (sent, removedMs) = await _bare.RunAsync(_engine, benchId, token);
            lock (containers) containers.Add((benchId, sent, removedMs));
        }

        var clock = Stopwatch.StartNew();
        await OneAsync(ct);
        await Parallel.ForEachAsync(Enumerable.Range(0, _width), new ParallelOptions { MaxDegreeOfParallelism = _concurrency, CancellationToken = ct },
            async (_, token) => await OneAsync(token));
        await OneAsync(ct);
        return (clock.Elapsed.TotalMilliseconds, containers);
    }

    /// <summary>The figures so far; removes (and names) whatever of the baseline's instance is left.</summary>
    public async Task<BareCriticalPathResult> ResultAsync(Action<string> say)
    {
        var leftovers = await BareContainer.RemoveInstanceAsync(_engine, _bare.Instance, say);
        return new BareCriticalPathResult(_walls.Count + _failed, _width, _concurrency, _warmup, BareContainer.Command, _bare.Limits, _failed, _errors,
            Series.Of("bare critical path: first create → last removed", _walls),
            Series.Of("bare container: create → start (event)", _toStart),
            Series.Of("bare container: create → removed", _toRemoved),
            leftovers);
    }

    public async ValueTask DisposeAsync()
    {
        if (_events is not null) await _events.DisposeAsync();
        _engine.Dispose();
    }
}
