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
/// container create → its Docker start event (the "bare container start" the step starts are set against).
/// </summary>
public static class BareCriticalPath
{
    public static async Task<BareCriticalPathResult> RunAsync(int paths, int width, int concurrency, int warmup, Action<string> say, CancellationToken ct)
    {
        var bare = BareContainer.New();
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        await using var events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, bare.Instance, BareContainer.BenchIdLabel, ct);
        var walls = new List<double>();
        var toStart = new List<double>();
        var toRemoved = new List<double>();
        var errors = new List<string>();
        var failed = 0;
        List<string> leftovers;
        try
        {
            say($"bare critical path: {paths} × (1 container, {width} with {concurrency} in flight, 1 container), after {warmup} unmeasured…");
            for (var i = -warmup; i < paths; i++)
            {
                try
                {
                    var (wall, containers) = await OnePathAsync(bare, engine, width, concurrency, ct);
                    if (i < 0) continue;
                    walls.Add(wall);
                    foreach (var (benchId, sent, removedMs) in containers)
                    {
                        var start = await events.WaitAsync(benchId, "start", TimeSpan.FromSeconds(15), ct);
                        toStart.Add(WallClock.Ms(sent, start.TimeNano));
                        toRemoved.Add(removedMs);
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    if (i < 0) throw new InvalidOperationException($"The warm-up path failed: {ex.Message}", ex);
                    failed++;
                    if (errors.Count < 5) errors.Add($"path {i + 1}: {ex.GetType().Name}: {ex.Message}");
                    if (failed >= Math.Max(3, paths / 5))
                        throw new InvalidOperationException($"Stopped after {failed} failed bare paths; first errors:\n  {string.Join("\n  ", errors)}");
                }
            }
        }
        finally
        {
            leftovers = await BareContainer.RemoveInstanceAsync(engine, bare.Instance, say);
        }
        return new BareCriticalPathResult(paths, width, concurrency, warmup, BareContainer.Command, bare.Limits, failed, errors,
            Series.Of("bare critical path: first create → last removed", walls),
            Series.Of("bare container: create → start (event)", toStart),
            Series.Of("bare container: create → removed", toRemoved),
            leftovers);
    }

    private static async Task<(double WallMs, List<(string BenchId, long Sent, double RemovedMs)> Containers)> OnePathAsync(
        BareContainer bare, DockerEngine engine, int width, int concurrency, CancellationToken ct)
    {
        var containers = new List<(string, long, double)>();
        async Task OneAsync(CancellationToken token)
        {
            var benchId = Guid.NewGuid().ToString("N");
            var (sent, removedMs) = await bare.RunAsync(engine, benchId, token);
            lock (containers) containers.Add((benchId, sent, removedMs));
        }

        var clock = Stopwatch.StartNew();
        await OneAsync(ct);
        await Parallel.ForEachAsync(Enumerable.Range(0, width), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (_, token) => await OneAsync(token));
        await OneAsync(ct);
        return (clock.Elapsed.TotalMilliseconds, containers);
    }
}
