using System.Diagnostics;
using Narwhal.Core.Configuration;
using Narwhal.Core.Logs;
using Narwhal.Core.Resilience;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Fleet;
using Narwhal.Runner.Git;
using Narwhal.Runner.Masking;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Executes one claimed run: plan (fetch, config, secrets), image (ready or built), private network
/// and sidecar services, job container with the workspace copied in, output masked and spooled,
/// exit code read, log uploaded, outcome written with the attempt's fence — and every container and
/// network of the run removed whatever happened.
/// </summary>
public sealed class RunExecutor(
    IContainerEngine engine, JobPlanner planner, ImageProvider images, ContainerSpecFactory specs, GitMirrorCache git, ResultCollector results,
    IObjectStore store, RunAttemptStore attempts, LogChunkStore chunks, InstanceSettings instance, RunnerSettings settings,
    RunnerMetrics metrics, ActiveSecrets activeSecrets, ILogger<RunExecutor> logger)
{
    public static string ConsoleKey(Guid runId) => $"runs/{runId}/console.log";

    public async Task ExecuteAsync(ClaimedRun claimed, RunCancellation cancellation)
    {
        try
        {
            await ExecuteMaskedAsync(claimed, cancellation);
        }
        finally
        {
            // Only now: the Runner's own log lines about this run, to the last one, are masked.
            activeSecrets.Unregister(claimed.Run.Id);
        }
    }

    private async Task ExecuteMaskedAsync(ClaimedRun claimed, RunCancellation cancellation)
    {
        var run = claimed.Run;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = run.Id, ["Job"] = run.JobName, ["RunNumber"] = run.Number });
        await using var log = new LogSpool(settings.WorkDirectory, run.Id, settings.LogMaxBytes);
        await using var shipper = new LogShipper(log, chunks, run.Id, claimed.AttemptId, logger, metrics.LogBytesShipped);
        var started = Stopwatch.StartNew();
        var timeout = Cap(claimed.Job.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
        // Set-up (fetch, image, services, container) has a limit of its own; the job's timeout
        // counts the script alone, from the moment its container starts.
        using var setupTimer = cancellation.TimeoutAfter(settings.SetupTimeout, CancellationReason.SetupTimeout);
        using var scriptTimer = cancellation.TimeoutAfter(Timeout.InfiniteTimeSpan);

        RunCompletion completion;
        try
        {
            var plan = await planner.PlanAsync(claimed, cancellation.Token);
            activeSecrets.Register(run.Id, plan.SecretValues);
            log.UseMasker(new SecretMasker(plan.SecretValues));
            foreach (var notice in plan.Notices) await log.WriteNoticeAsync(notice);
            if (plan.Timeout is { } configured) timeout = Cap(configured);
            completion = await RunAsync(claimed, plan, log, cancellation,
                scriptStarted: () =>
                {
                    setupTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    scriptTimer.Change(timeout, Timeout.InfiniteTimeSpan);
                },
                // Collecting results after a script that ended in time is not the script's time.
                scriptEnded: () => scriptTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        }
        catch (OperationCanceledException) when (cancellation.Token.IsCancellationRequested)
        {
            completion = cancellation.Reason switch
            {
                CancellationReason.Timeout => new RunCompletion { Status = RunStatus.TimedOut, Reason = $"The script exceeded its timeout of {timeout.TotalSeconds:0} s." },
                CancellationReason.SetupTimeout => new RunCompletion
                {
                    Status = RunStatus.TimedOut,
                    Reason = $"Set-up (fetch, image, services, container) exceeded the Runner's limit of {settings.SetupTimeout.TotalSeconds:0} s (NARWHAL_RUNNER_SETUP_TIMEOUT_SECONDS).",
                },
                CancellationReason.Abort => new RunCompletion { Status = RunStatus.Aborted, Reason = cancellation.Detail ?? "Aborted." },
                CancellationReason.Superseded => new RunCompletion { Status = RunStatus.Lost, Reason = "Attempt superseded." },
                _ => new RunCompletion { Status = RunStatus.Lost, Reason = "runner shutdown" },
            };
            await log.WriteNoticeAsync(completion.Reason!);
        }
        catch (Exception ex) when (ex is RunRefusedException or ImageUnavailableException)
        {
            completion = new RunCompletion { Status = RunStatus.Error, Reason = ex.Message };
            await log.WriteNoticeAsync(ex.Message);
        }
        catch (StaleAttemptException ex)
        {
            logger.LogWarning("{Message} Stopping the run", ex.Message);
            cancellation.Cancel(CancellationReason.Superseded);
            completion = new RunCompletion { Status = RunStatus.Lost, Reason = "Attempt superseded." };
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Run {RunId} failed inside the Runner", run.Id);
            completion = new RunCompletion { Status = RunStatus.Error, Reason = $"Runner error: {ex.Message}" };
            await log.WriteNoticeAsync(completion.Reason);
        }
        setupTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        scriptTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // The reason is stored and shown: an error message may quote a secret (Docker's refusal of NAME=value).
        if (completion.Reason is { } reason) completion = completion with { Reason = activeSecrets.MaskText(reason) };

        await log.CompleteAsync();
        await shipper.DrainAsync(TimeSpan.FromSeconds(30));
        if (cancellation.Reason == CancellationReason.Superseded || shipper.Superseded)
        {
            // Fenced: the run belongs to a newer attempt (or has ended) whose log and results are not
            // this attempt's to overwrite. The finish write below is refused; it is made to record that.
            await ReportAsync(claimed, completion);
        }
        else
        {
            var logKey = await UploadLogAsync(run.Id, log);
            await ReportAsync(claimed, completion with { LogKey = logKey, LogSize = log.Length, LogTruncated = log.Truncated });
            await EndLiveLogAsync(run.Id, logKey);
        }
        metrics.RunEnded(run.ResourceClass, completion.Status, started.Elapsed);
    }

    /// <summary>Once the whole log is stored, the live chunks go and followers are told the log is complete.</summary>
    private async Task EndLiveLogAsync(Guid runId, string? logKey)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            // Without a stored log the chunks are all there is: keep them (retention removes them later).
            if (logKey is not null) await chunks.DeleteAsync(runId, timeout.Token);
            await chunks.NotifyEndAsync(runId, timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Cleaning up the live log of run {RunId} failed", runId);
        }
    }

    private async Task<RunCompletion> RunAsync(ClaimedRun claimed, JobPlan plan, LogSpool log, RunCancellation cancellation, Action scriptStarted, Action scriptEnded)
    {
        var ct = cancellation.Token;
        var image = await images.ProvideAsync(plan.Image, plan.Workspace, log, ct);
        // Every run gets a network of its own, never the engine's shared default bridge: a job
        // reaches its own services by name and nothing of another run (other jobs, fork pull
        // requests, other Narwhal instances on the same engine).
        var network = await RunNetwork.CreateAsync(engine, instance, claimed, specs.Labels(claimed), logger, ct);
        string? containerId = null;
        try
        {
            foreach (var service in plan.Services)
            {
                var serviceImage = await images.ProvideAsync(service.Image, plan.Workspace, log, ct);
                await network.StartServiceAsync(service, serviceImage, specs.ServiceTemplate(claimed), log, ct);
            }

            containerId = await engine.CreateContainerAsync(specs.Create(claimed, plan, image, network.Name), ct);
            if (plan.Workspace is { } workspace) await CopyWorkspaceAsync(containerId, workspace, plan.User, ct);
            await engine.StartContainerAsync(containerId, ct);
            scriptStarted();
            logger.LogInformation("Run {RunId} started in container {Container}", claimed.Run.Id, containerId[..12]);
            RunCompletion completion;
            try
            {
                completion = await WaitAsync(containerId, log, ct);
                scriptEnded();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Timed out or aborted: the container is stopped, not gone — its reports still count.
                // Not those of a superseded attempt: they are no longer this attempt's to store.
                if (cancellation.Reason != CancellationReason.Superseded)
                {
                    using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(5));
                    await CollectResultsAsync(claimed, plan, containerId, log, bounded.Token);
                }
                throw;
            }
            await CollectResultsAsync(claimed, plan, containerId, log, ct);
            return completion;
        }
        finally
        {
            // The job container first: Docker refuses to remove a network still in use.
            if (containerId is not null) await RemoveQuietlyAsync(containerId);
            await network.DisposeAsync();
        }
    }

    /// <summary>Results never change the run's outcome: a failure to collect them is a notice in the log.</summary>
    private async Task CollectResultsAsync(ClaimedRun claimed, JobPlan plan, string containerId, LogSpool log, CancellationToken ct)
    {
        try
        {
            await results.CollectAsync(claimed, plan, containerId, log, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Collecting the results of run {RunId} failed", claimed.Run.Id);
            await log.WriteNoticeAsync($"Warning: collecting results failed: {ex.Message}");
        }
    }

    /// <summary>The commit's tree goes straight from the mirror into the container as /workspace, owned by the job's user.</summary>
    private async Task CopyWorkspaceAsync(string containerId, WorkspaceSource workspace, string? user, CancellationToken ct)
    {
        var (uid, gid) = ContainerSpecFactory.WorkspaceOwner(user);
        await using var archive = WorkspaceTar.Produce((s, t) => git.WriteArchiveAsync(workspace.Url, workspace.CommitSha, s, uid, gid, t), ct);
        await using var prefixed = WorkspaceTar.Produce((s, t) => WorkspaceTar.PrefixAsync(archive, s, ContainerSpecFactory.WorkspacePath.Trim('/'), uid, gid, t), ct);
        await engine.PutArchiveAsync(containerId, "/", prefixed, ct);
    }

    private async Task<RunCompletion> WaitAsync(string containerId, LogSpool log, CancellationToken ct)
    {
        // The log stream ends when the container exits. It is not cancelled with the run: when
        // the run is stopped, the container is stopped first and the stream drained to its end,
        // so the output written up to the stop is in the log.
        using var drain = new CancellationTokenSource();
        var shipping = engine.StreamLogsAsync(containerId, (frame, token) => log.WriteAsync(frame.Data, token), drain.Token);
        long exitCode;
        try
        {
            exitCode = await engine.WaitAsync(containerId, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await StopQuietlyAsync(containerId);
            await DrainAsync(shipping, drain, log);
            throw;
        }
        await DrainAsync(shipping, drain, log);
        return exitCode == 0
            ? new RunCompletion { Status = RunStatus.Succeeded, ExitCode = 0 }
            : new RunCompletion { Status = RunStatus.Failed, ExitCode = (int)exitCode, Reason = $"The script exited with code {exitCode}." };
    }

    private TimeSpan Cap(TimeSpan? requested) => requested is { } r && r < settings.MaxJobDuration ? r : settings.MaxJobDuration;

    /// <summary>
    /// Waits for the log stream to end after the container exited. The engine may still be
    /// delivering a large backlog (a job that printed faster than it could be read): wait as long as
    /// output keeps arriving, and give up only after 30 s without progress.
    /// </summary>
    private async Task DrainAsync(Task shipping, CancellationTokenSource drain, LogSpool log)
    {
        var idle = TimeSpan.FromSeconds(30);
        while (!shipping.IsCompleted)
        {
            var before = log.Length;
            if (await Task.WhenAny(shipping, Task.Delay(idle)) == shipping) break;
            if (log.Length == before)
            {
                logger.LogWarning("The container's log stream made no progress for {Idle} s after its exit; the log may be incomplete", idle.TotalSeconds);
                await drain.CancelAsync();
                break;
            }
        }
        try
        {
            await shipping;
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
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

    /// <summary>
    /// Records the outcome under the attempt's fence, retried through transient database failures
    /// for <see cref="RunnerSettings.OutcomeRetryTime"/> (the write is safe to repeat). Until it is
    /// recorded the run stays with its supervisor, so heartbeats keep listing it and the Dispatcher
    /// does not call it lost.
    /// </summary>
    private async Task ReportAsync(ClaimedRun claimed, RunCompletion completion)
    {
        var pipeline = NarwhalResilience.CreateTimedRetryPipeline("outcome", logger, settings.OutcomeRetryTime);
        try
        {
            await pipeline.ExecuteAsync(async ct => await attempts.FinishAsync(claimed.Run.Id, claimed.AttemptId, completion, ct), CancellationToken.None);
            logger.LogInformation("Run {RunId} ended {Status} (exit code {ExitCode})", claimed.Run.Id, completion.Status, completion.ExitCode);
        }
        catch (StaleAttemptException ex)
        {
            logger.LogWarning("{Message} The outcome {Status} is discarded", ex.Message, completion.Status);
            await AttachLogAsync(claimed, completion);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The outcome {Status} of run {RunId} could not be recorded within {Seconds} s; the Dispatcher reports the run lost",
                completion.Status, claimed.Run.Id, settings.OutcomeRetryTime.TotalSeconds);
        }
    }

    /// <summary>The run ended without this attempt's outcome (declared lost meanwhile): its uploaded log still belongs to it.</summary>
    private async Task AttachLogAsync(ClaimedRun claimed, RunCompletion completion)
    {
        if (completion.LogKey is not { } key) return;
        var pipeline = NarwhalResilience.CreateRetryPipeline("attach-log", logger, maxRetries: 5);
        try
        {
            if (await pipeline.ExecuteAsync(async ct => await attempts.AttachLogAsync(claimed.Run.Id, claimed.AttemptId, key, completion.LogSize ?? 0,
                    completion.LogTruncated, ct), CancellationToken.None))
                logger.LogInformation("Run {RunId}: its console log stays readable under its final status", claimed.Run.Id);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Attaching the console log of run {RunId} failed", claimed.Run.Id);
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
