using System.Diagnostics;
using Narwhal.Core.Caches;
using Narwhal.Core.Storage;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;

namespace Narwhal.Runner.Caches;

/// <summary>
/// Before the script (the workspace and the needs' artifacts in place): resolves each cache's key, and when the
/// job has a cache of that key, places it in the workspace. A cache that cannot be had (never saved, its object
/// gone, damaged, the store down) is a notice in the log and a miss: the script runs without it, and a damaged
/// entry is dropped so that the step's next success saves it afresh. Only a key that cannot be resolved (a
/// checksum of a file the commit lacks) refuses the run, as any other mistake of the config does.
/// </summary>
public sealed class CacheRestorer(CacheKeys keys, JobCacheStore index, IObjectStore store, IContainerEngine engine, RunnerSettings settings,
    ILogger<CacheRestorer> logger)
{
    public async Task<IReadOnlyList<ResolvedCache>> RestoreAsync(ClaimedRun claimed, JobPlan plan, string containerId, LogSpool log, CancellationToken ct)
    {
        if (plan.Caches.Count == 0 || plan.Workspace is not { } workspace) return [];
        var resolved = new List<ResolvedCache>();
        foreach (var cache in plan.Caches)
        {
            var key = await keys.ResolveAsync(cache.Key, workspace, claimed.Run.Branch, ct);
            bool restored;
            try
            {
                restored = await RestoreOneAsync(claimed, plan, containerId, cache.Paths, key, log, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Run {RunId}: restoring cache {Key} failed", claimed.Run.Id, key);
                await log.WriteNoticeAsync($"Warning: cache {key} could not be restored ({ex.Message}); the script runs without it.");
                restored = false;
            }
            resolved.Add(new ResolvedCache(cache, key, restored));
        }
        return resolved;
    }

    private async Task<bool> RestoreOneAsync(ClaimedRun claimed, JobPlan plan, string containerId, IReadOnlyList<string> paths, string key, LogSpool log,
        CancellationToken ct)
    {
        var jobId = claimed.Run.JobId;
        if (await index.UseAsync(jobId, key, ct) is not { } entry)
        {
            await log.WriteNoticeAsync($"Cache {key} not found.");
            return false;
        }
        var clock = Stopwatch.StartNew();
        using var scratch = new CacheScratch(settings, claimed.Run.Id, logger);
        var stored = scratch.File("stored.tar");
        var problem = await FetchAsync(entry, stored, ct);
        if (problem is null)
        {
            var owned = scratch.File("owned.tar");
            var (uid, gid) = ContainerSpecFactory.WorkspaceOwner(plan.User);
            try
            {
                await CacheArchive.ReownCheckedAsync(stored, owned, paths, uid, gid, ct);
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
            {
                problem = $"it is damaged: {ex.Message}";
            }
            if (problem is null)
            {
                await using var tar = File.OpenRead(owned);
                await engine.PutArchiveAsync(containerId, ContainerSpecFactory.WorkspacePath, tar, ct);
                await log.WriteNoticeAsync($"Cache {key} restored, {CacheSizes.Format(entry.SizeBytes)} in {clock.Elapsed.TotalSeconds:0.0} s.");
                return true;
            }
        }
        // Dropped, so that the next success saves the key again; a newer save of the key stays.
        await index.RemoveAsync(jobId, key, entry.ObjectKey, ct);
        await store.DeleteAsync(entry.ObjectKey, ct);
        await log.WriteNoticeAsync($"Warning: cache {key} is unusable ({problem}); dropped, and the script runs without it.");
        return false;
    }

    /// <summary>Downloads the object to <paramref name="file"/>; a problem when it is missing or not the size that was saved.</summary>
    private async Task<string?> FetchAsync(JobCache entry, string file, CancellationToken ct)
    {
        var stored = await store.GetAsync(entry.ObjectKey, null, ct);
        if (stored is null) return "its object is missing from storage";
        await using (stored.Content)
        await using (var target = File.Create(file))
            await stored.Content.CopyToAsync(target, ct);
        var size = new FileInfo(file).Length;
        return size == entry.SizeBytes ? null : $"it holds {size} bytes where {entry.SizeBytes} were saved";
    }
}
