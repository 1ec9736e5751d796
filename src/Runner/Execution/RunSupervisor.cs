using System.Collections.Concurrent;
using Narwhal.Runner.Claiming;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Keeps track of the runs executing on this Runner, so that shutdown can wait for them for the
/// grace period and then stop those still running.
/// </summary>
public sealed class RunSupervisor(RunExecutor executor, ILogger<RunSupervisor> logger)
{
    private readonly ConcurrentDictionary<Guid, (Task Task, RunCancellation Cancellation, Guid AttemptId)> _running = new();

    public int RunningCount => _running.Count;
    public IReadOnlyCollection<Guid> RunningRunIds => _running.Keys.ToList();

    /// <summary>Starts the run in the background; <paramref name="finished"/> is called when it is over, whatever happened.</summary>
    public void Start(ClaimedRun claimed, Action finished)
    {
        var cancellation = new RunCancellation();
        var started = new TaskCompletionSource();
        var task = Task.Run(async () =>
        {
            await started.Task;
            try
            {
                await executor.ExecuteAsync(claimed, cancellation);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Run {RunId} ended with an unexpected Runner error", claimed.Run.Id);
            }
            finally
            {
                _running.TryRemove(claimed.Run.Id, out _);
                cancellation.Dispose();
                finished();
            }
        });
        _running[claimed.Run.Id] = (task, cancellation, claimed.AttemptId);
        started.SetResult();
    }

    /// <summary>The attempts this Runner is executing, for the periodic check against the database.</summary>
    public IReadOnlyList<(Guid RunId, Guid AttemptId)> RunningAttempts => _running.Select(kv => (kv.Key, kv.Value.AttemptId)).ToList();

    /// <summary>Stops a running run; false when this Runner is not executing it.</summary>
    public bool Cancel(Guid runId, CancellationReason reason, string detail)
    {
        if (!_running.TryGetValue(runId, out var entry)) return false;
        logger.LogInformation("Stopping run {RunId}: {Detail}", runId, detail);
        entry.Cancellation.Cancel(reason, detail);
        return true;
    }

    /// <summary>Waits up to <paramref name="grace"/> for running runs, then stops the rest (they end lost, "runner shutdown").</summary>
    public async Task ShutdownAsync(TimeSpan grace)
    {
        var tasks = _running.Values.Select(r => r.Task).ToArray();
        if (tasks.Length == 0) return;
        logger.LogInformation("Waiting up to {Grace} s for {Count} running run(s)", grace.TotalSeconds, tasks.Length);
        var all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, Task.Delay(grace)) == all) return;

        foreach (var (runId, (_, cancellation, _)) in _running)
        {
            logger.LogWarning("Shutdown grace over: stopping run {RunId}", runId);
            cancellation.Cancel(CancellationReason.Shutdown);
        }
        await all;
    }
}
