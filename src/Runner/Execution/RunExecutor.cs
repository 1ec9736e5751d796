using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;
using Narwhal.Runner.Docker;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Executes one claimed run: container up, output spooled, exit code read, log uploaded,
/// outcome written with the attempt's fence, container removed whatever happened.
/// </summary>
public sealed class RunExecutor(
    IContainerEngine engine, ContainerSpecFactory specs, IObjectStore store, RunAttemptStore attempts,
    RunnerSettings settings, ILogger<RunExecutor> logger)
{
    public static string ConsoleKey(Guid runId) => $"runs/{runId}/console.log";

    public async Task ExecuteAsync(ClaimedRun claimed, RunCancellation cancellation)
    {
        var run = claimed.Run;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = run.Id, ["Job"] = run.JobName, ["RunNumber"] = run.Number });
        await using var log = new LogSpool(settings.WorkDirectory, run.Id);
        var timeout = TimeSpan.FromSeconds(Math.Min(claimed.Job.TimeoutSeconds ?? double.MaxValue, settings.MaxJobDuration.TotalSeconds));
        using var timer = cancellation.TimeoutAfter(timeout);

        string? containerId = null;
        RunCompletion completion;
        try
        {
            completion = await RunContainerAsync(claimed, log, id => containerId = id, cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.Token.IsCancellationRequested)
        {
            completion = cancellation.Reason switch
            {
                CancellationReason.Timeout => new RunCompletion { Status = RunStatus.TimedOut, Reason = $"Exceeded its timeout of {timeout.TotalSeconds:0} s." },
                CancellationReason.Superseded => new RunCompletion { Status = RunStatus.Lost, Reason = "Attempt superseded." },
                CancellationReason.Abort => new RunCompletion { Status = RunStatus.Aborted, Reason = cancellation.Detail ?? "Aborted." },
                _ => new RunCompletion { Status = RunStatus.Lost, Reason = "runner shutdown" },
            };
            if (containerId is not null) await StopQuietlyAsync(containerId);
            await log.WriteNoticeAsync(completion.Reason!);
        }
        catch (ImageUnavailableException ex)
        {
            completion = new RunCompletion { Status = RunStatus.Error, Reason = ex.Message };
            await log.WriteNoticeAsync(ex.Message);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Run {RunId} failed inside the Runner", run.Id);
            completion = new RunCompletion { Status = RunStatus.Error, Reason = $"Runner error: {ex.Message}" };
            await log.WriteNoticeAsync(completion.Reason);
        }
        finally
        {
            if (containerId is not null) await RemoveQuietlyAsync(containerId);
        }

        await log.CompleteAsync();
        var logKey = await UploadLogAsync(run.Id, log);
        await ReportAsync(claimed, completion with { LogKey = logKey });
    }

    private async Task<RunCompletion> RunContainerAsync(ClaimedRun claimed, LogSpool log, Action<string> created, CancellationToken ct)
    {
        if (claimed.Job.Type == JobType.Git)
            return new RunCompletion { Status = RunStatus.Error, Reason = "This Runner does not execute git-repo jobs yet (freestyle jobs only)." };

        var spec = specs.Create(claimed);
        await engine.EnsureImageAsync(spec.Image, ct);
        var id = await engine.CreateContainerAsync(spec, ct);
        created(id);
        await engine.StartContainerAsync(id, ct);
        logger.LogInformation("Run {RunId} started in container {Container}", claimed.Run.Id, id[..12]);

        // The log stream ends when the container exits. It is not cancelled with the run: when
        // the run is stopped, the container is stopped first and the stream drained to its end,
        // so the output written up to the stop is in the log.
        using var drain = new CancellationTokenSource();
        var shipping = engine.StreamLogsAsync(id, (frame, token) => log.WriteAsync(frame.Data, token), drain.Token);
        long exitCode;
        try
        {
            exitCode = await engine.WaitAsync(id, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await StopQuietlyAsync(id);
            await DrainAsync(shipping, drain);
            throw;
        }
        await DrainAsync(shipping, drain);
        return exitCode == 0
            ? new RunCompletion { Status = RunStatus.Succeeded, ExitCode = 0 }
            : new RunCompletion { Status = RunStatus.Failed, ExitCode = (int)exitCode, Reason = $"The script exited with code {exitCode}." };
    }

    /// <summary>Waits for the log stream to end after the container stopped; gives up after a bound.</summary>
    private async Task DrainAsync(Task shipping, CancellationTokenSource drain)
    {
        drain.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await shipping;
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
            logger.LogWarning("The container's log stream did not end within 30 s of its exit; the log may be incomplete");
        }
    }

    private async Task<string?> UploadLogAsync(Guid runId, LogSpool log)
    {
        // Not the run's token: a run stopped by timeout or shutdown still gets its log stored.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            var key = ConsoleKey(runId);
            await store.PutFileAsync(key, log.Path, "text/plain; charset=utf-8", timeout.Token);
            return key;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Uploading the console log of run {RunId} failed; the run is reported without it", runId);
            return null;
        }
    }

    private async Task ReportAsync(ClaimedRun claimed, RunCompletion completion)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await attempts.FinishAsync(claimed.Run.Id, claimed.AttemptId, completion, timeout.Token);
            logger.LogInformation("Run {RunId} ended {Status} (exit code {ExitCode})", claimed.Run.Id, completion.Status, completion.ExitCode);
        }
        catch (StaleAttemptException ex)
        {
            logger.LogWarning("{Message} The outcome {Status} is discarded", ex.Message, completion.Status);
        }
    }

    private async Task StopQuietlyAsync(string containerId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(settings.StopGrace + TimeSpan.FromSeconds(30));
            await engine.StopAsync(containerId, settings.StopGrace, timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Stopping container {Container} failed; removing it by force", containerId[..12]);
        }
    }

    private async Task RemoveQuietlyAsync(string containerId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await engine.RemoveAsync(containerId, timeout.Token);
        }
        catch (Exception ex)
        {
            // Left for LeftoverCleanup at the next start (it carries this Runner's labels).
            logger.LogError(ex, "Removing container {Container} failed", containerId[..12]);
        }
    }
}
