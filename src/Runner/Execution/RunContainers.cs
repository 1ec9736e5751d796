using Narwhal.Core.Configuration;
using Narwhal.Core.Runs;
using Narwhal.Runner.Caches;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Git;
using Narwhal.Runner.Pipelines;

namespace Narwhal.Runner.Execution;

/// <summary>
/// The container phase of a run: its image (ready or built), a private network with the sidecar
/// services, the job container with the workspace copied in, its output into the log, the exit code,
/// the results collected — and every container and the network of the run removed whatever happened.
/// </summary>
public sealed class RunContainers(
    IContainerEngine engine, ImageProvider images, ContainerSpecFactory specs, GitMirrorCache git, ResultCollector results, StepArtifacts artifacts,
    CacheRestorer cacheRestorer, CacheSaver cacheSaver, InstanceSettings instance, RunnerSettings settings, ILogger<RunContainers> logger)
{
    /// <param name="scriptStarted">Called when the job container started: the script's own timeout starts.</param>
    /// <param name="scriptEnded">Called when the script ended in time: collecting results is not the script's time.</param>
    public async Task<RunCompletion> RunAsync(ClaimedRun claimed, JobPlan plan, LogSpool log, RunCancellation cancellation, Action scriptStarted, Action scriptEnded)
    {
        var ct = cancellation.Token;
        var image = await images.ProvideAsync(plan.Image, plan.Workspace, log, ct);
        // Every run gets a network of its own, never the engine's shared default bridge: a job
        // reaches its own services by name and nothing of another run (other jobs, fork pull
        // requests, other Narwhal instances on the same engine).
        var network = await RunNetwork.CreateAsync(engine, instance, claimed, specs.Labels(claimed), settings.RemoveTimeout, logger, ct);
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
            await artifacts.PlaceAsync(claimed, containerId, plan.User, log, ct);
            var caches = await cacheRestorer.RestoreAsync(claimed, plan, containerId, log, ct);
            await engine.StartContainerAsync(containerId, ct);
            scriptStarted();
            logger.LogInformation("Run {RunId} started in container {Container}", claimed.Run.Id, Short(containerId));
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
                    using var bounded = new CancellationTokenSource(settings.StoppedResultsTimeout);
                    await CollectResultsAsync(claimed, plan, containerId, log, bounded.Token);
                }
                throw;
            }
            await CollectResultsAsync(claimed, plan, containerId, log, ct);
            if (completion.Status == RunStatus.Succeeded) await cacheSaver.SaveAsync(claimed, containerId, caches, log, ct);
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

    /// <summary>
    /// Waits for the log stream to end after the container exited. The engine may still be
    /// delivering a large backlog (a job that printed faster than it could be read): wait as long as
    /// output keeps arriving, and give up only after <see cref="RunnerSettings.LogStreamIdleTimeout"/> without progress.
    /// </summary>
    private async Task DrainAsync(Task shipping, CancellationTokenSource drain, LogSpool log)
    {
        var idle = settings.LogStreamIdleTimeout;
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

    private async Task StopQuietlyAsync(string containerId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(settings.StopGrace + settings.StopMargin);
            await engine.StopAsync(containerId, settings.StopGrace, timeout.Token);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Stopping container {Container} failed; removing it by force", Short(containerId));
        }
    }

    private async Task RemoveQuietlyAsync(string containerId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(settings.RemoveTimeout);
            await engine.RemoveAsync(containerId, timeout.Token);
        }
        catch (Exception ex)
        {
            // Left for LeftoverCleanup at the next start (it carries this Runner's labels).
            logger.LogError(ex, "Removing container {Container} failed", Short(containerId));
        }
    }

    private static string Short(string containerId) => containerId[..Math.Min(12, containerId.Length)];
}
