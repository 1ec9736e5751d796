using System.Diagnostics;
using Narwhal.Core.Caches;
using Narwhal.Core.Storage;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;

namespace Narwhal.Runner.Caches;

/// <summary>
/// After a script that succeeded: saves each cache whose key the job has no cache of yet — its paths out of the
/// container as one tar, uploaded under a name of its own (<c>caches/JOB/UNIQUE.tar</c>), then recorded if the
/// key is still free (two Runners saving one key at once: the first record wins, the other deletes its upload).
/// Then the job's least recently used caches beyond <see cref="RunnerSettings.CacheBudgetBytes"/> are evicted,
/// rows first, then objects. Every failure is a notice in the log: a cache never changes the step's outcome.
/// </summary>
public sealed class CacheSaver(JobCacheStore index, IObjectStore store, IContainerEngine engine, RunnerSettings settings, ILogger<CacheSaver> logger)
{
    /// <summary>A run stopped while saving (abort, shutdown) keeps its script's success: only the saving stops.</summary>
    public async Task SaveAsync(ClaimedRun claimed, string containerId, IReadOnlyList<ResolvedCache> caches, LogSpool log, CancellationToken ct)
    {
        try
        {
            await SaveAllAsync(claimed, containerId, caches, log, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await log.WriteNoticeAsync("Warning: saving caches stopped: the run was stopped after its script succeeded.");
        }
    }

    private async Task SaveAllAsync(ClaimedRun claimed, string containerId, IReadOnlyList<ResolvedCache> caches, LogSpool log, CancellationToken ct)
    {
        var saved = false;
        foreach (var cache in caches.Where(c => !c.Restored))
        {
            try
            {
                saved |= await SaveOneAsync(claimed, containerId, cache, log, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Run {RunId}: saving cache {Key} failed", claimed.Run.Id, cache.Key);
                await log.WriteNoticeAsync($"Warning: cache {cache.Key} could not be saved: {ex.Message}");
            }
        }
        if (!saved) return;
        try
        {
            await EvictAsync(claimed.Run.JobId, log, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Run {RunId}: evicting caches failed", claimed.Run.Id);
            await log.WriteNoticeAsync($"Warning: evicting old caches failed: {ex.Message}");
        }
    }

    private async Task<bool> SaveOneAsync(ClaimedRun claimed, string containerId, ResolvedCache cache, LogSpool log, CancellationToken ct)
    {
        var jobId = claimed.Run.JobId;
        if (await index.ExistsAsync(jobId, cache.Key, ct))
        {
            await log.WriteNoticeAsync($"Cache {cache.Key} was saved by another run meanwhile; not saved again.");
            return false;
        }
        var clock = Stopwatch.StartNew();
        using var scratch = new CacheScratch(settings, claimed.Run.Id, logger);
        var file = scratch.File("cache.tar");
        var missing = await CacheArchive.PackAsync(engine, containerId, cache.Config.Paths, file, ct);
        if (missing.Count == cache.Config.Paths.Count)
        {
            await log.WriteNoticeAsync($"Warning: cache {cache.Key} not saved: none of its paths exist ({string.Join(", ", missing)}).");
            return false;
        }
        if (missing.Count > 0)
            await log.WriteNoticeAsync($"Warning: cache {cache.Key} is saved without {string.Join(", ", missing)}, which do not exist.");
        var size = new FileInfo(file).Length;
        if (size > settings.CacheBudgetBytes)
        {
            await log.WriteNoticeAsync(
                $"Warning: cache {cache.Key} not saved: {CacheSizes.Format(size)} is more than the job's cache budget of {CacheSizes.Format(settings.CacheBudgetBytes)} (NARWHAL_CACHE_BUDGET_MB).");
            return false;
        }
        var objectKey = $"caches/{jobId}/{Guid.NewGuid():N}.tar";
        await store.PutFileAsync(objectKey, file, "application/x-tar", ct);
        if (!await index.AddAsync(jobId, cache.Key, objectKey, size, ct))
        {
            await store.DeleteAsync(objectKey, ct);
            await log.WriteNoticeAsync($"Cache {cache.Key} was saved by another run meanwhile; not saved again.");
            return false;
        }
        await log.WriteNoticeAsync($"Cache {cache.Key} saved, {CacheSizes.Format(size)} in {clock.Elapsed.TotalSeconds:0.0} s.");
        return true;
    }

    /// <summary>Rows first: a restore that still finds a row whose object was just deleted treats it as a miss.</summary>
    private async Task EvictAsync(Guid jobId, LogSpool log, CancellationToken ct)
    {
        var evicted = await index.EvictAsync(jobId, settings.CacheBudgetBytes, ct);
        foreach (var entry in evicted)
            await store.DeleteAsync(entry.ObjectKey, ct);
        if (evicted.Count > 0)
            await log.WriteNoticeAsync(
                $"Evicted {evicted.Count} least recently used cache{(evicted.Count == 1 ? "" : "s")} of the job ({CacheSizes.Format(evicted.Sum(e => e.SizeBytes))}) to stay within its budget.");
    }
}
