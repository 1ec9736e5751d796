using Narwhal.Core.Configuration;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Git;
using Narwhal.Runner.Intake;

namespace Narwhal.Runner.Housekeeping;

/// <summary>
/// Keeps the Runner's host healthy: stops taking runs while free disk is below the threshold (and
/// says why), and keeps built images and git mirrors under their size budgets, least recently used
/// first.
/// </summary>
public sealed class Housekeeper(
    IContainerEngine engine, GitMirrorCache git, ImageProvider images, RunSupervisor supervisor, IntakeGate gate,
    InstanceSettings instance, RunnerSettings settings, ILogger<Housekeeper> logger) : BackgroundService, IHostedLifecycleService
{
    private const string DiskCondition = "disk";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.HousekeepingInterval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Housekeeping pass failed; retrying at the next one");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    // The disk check runs before the intake starts consuming, so a full disk never takes a first run.
    public Task StartingAsync(CancellationToken ct)
    {
        CheckDisk();
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task RunOnceAsync(CancellationToken ct)
    {
        CheckDisk();
        await EvictImagesAsync(ct);
        // Eviction must not remove a mirror between a run's fetch and its archive: only when idle.
        if (supervisor.RunningCount == 0)
        {
            var freed = await git.EvictAsync(settings.GitCacheBudgetBytes, ct);
            if (freed > 0) logger.LogInformation("Evicted {MegaBytes} MB of git mirrors (budget {Budget} MB)", freed / 1_048_576, settings.GitCacheBudgetBytes / 1_048_576);
        }
    }

    private void CheckDisk()
    {
        Directory.CreateDirectory(settings.WorkDirectory);
        var free = new DriveInfo(Path.GetFullPath(settings.WorkDirectory)).AvailableFreeSpace;
        if (free < settings.MinFreeDiskBytes)
        {
            if (gate.Close(DiskCondition, $"free disk {free / 1_048_576} MB"))
                logger.LogWarning("Not taking runs: {Free} MB free under {Directory}, below NARWHAL_RUNNER_MIN_FREE_DISK_MB={Min}",
                    free / 1_048_576, settings.WorkDirectory, settings.MinFreeDiskBytes / 1_048_576);
        }
        else if (gate.Open(DiskCondition))
        {
            logger.LogInformation("Taking runs again: {Free} MB free", free / 1_048_576);
        }
    }

    private async Task EvictImagesAsync(CancellationToken ct)
    {
        var built = await engine.ListImagesAsync(new Dictionary<string, string>
        {
            [RunLabels.Instance] = instance.Name,
            [ImageProvider.CacheLabel] = "true",
        }, ct);
        var total = built.Sum(i => i.Size);
        foreach (var image in built.OrderBy(i => images.LastUsed(i.RepoTags) ?? i.Created))
        {
            if (total <= settings.ImageCacheBudgetBytes) break;
            try
            {
                await engine.RemoveImageAsync(image.Id, ct);
                total -= image.Size;
                logger.LogInformation("Evicted built image {Tags} ({MegaBytes} MB)", string.Join(",", image.RepoTags), image.Size / 1_048_576);
            }
            catch (DockerEngineException ex)
            {
                // In use by a running container: keep it, try the next.
                logger.LogDebug(ex, "Keeping image {Id}", image.Id);
            }
        }
    }
}
