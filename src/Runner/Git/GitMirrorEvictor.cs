namespace Narwhal.Runner.Git;

/// <summary>Keeps <see cref="GitMirrorCache"/>'s directory under a size budget, least recently used mirror first.</summary>
internal sealed class GitMirrorEvictor(string cacheDirectory, MirrorLocks locks, ILogger logger)
{
    /// <summary>Evicts on a pool thread (see <see cref="GitMirrorCache.EvictAsync"/>); returns the bytes freed.</summary>
    public Task<long> EvictAsync(long budgetBytes, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budgetBytes);
        return Task.Run(() => Evict(budgetBytes, ct), ct);
    }

    private long Evict(long budgetBytes, CancellationToken ct)
    {
        var mirrors = MirrorDirectory.All(cacheDirectory)
            .Select(mirror => (Mirror: mirror, Size: mirror.SizeBytes(), LastUsed: mirror.LastUsedUtc))
            .OrderBy(entry => entry.LastUsed)
            .ToList();
        var total = mirrors.Sum(entry => entry.Size);
        var freed = RemoveLeftovers(ct);
        foreach (var (mirror, _, lastUsed) in mirrors)
        {
            if (total <= budgetBytes) break;
            ct.ThrowIfCancellationRequested();
            using var lease = locks.TryAcquireForEviction(mirror);
            if (lease is null)
            {
                logger.LogInformation("Eviction skips mirror {Mirror}: in use", mirror.Name);
                continue;
            }
            if (!Directory.Exists(mirror.GitDirectory)) continue; // another process evicted it first
            var size = mirror.SizeBytes(); // may have grown since the listing
            // Renamed first, deleted after: a deletion that fails half-way leaves no half mirror for a fetch to trust.
            var doomed = mirror.EvictingDirectory();
            Directory.Move(mirror.GitDirectory, doomed);
            Directory.Delete(doomed, recursive: true);
            total -= size;
            freed += size;
            logger.LogInformation("Evicted mirror {Mirror} ({Bytes} bytes, last used {LastUsed:O})", mirror.Name, size, lastUsed);
        }
        logger.LogInformation("Git cache: {Total} bytes in mirrors after eviction (budget {Budget}), {Freed} freed", total, budgetBytes, freed);
        return freed;
    }

    /// <summary>Folders of a creation or eviction that a crash interrupted: never a usable mirror, always deletable under its lock.</summary>
    private long RemoveLeftovers(CancellationToken ct)
    {
        long freed = 0;
        foreach (var (path, name) in MirrorDirectory.Leftovers(cacheDirectory))
        {
            ct.ThrowIfCancellationRequested();
            using var lease = locks.TryAcquireForEviction(MirrorDirectory.For(cacheDirectory, name));
            if (lease is null || !Directory.Exists(path)) continue; // being created right now, or already gone
            var size = MirrorDirectory.SizeOf(path);
            Directory.Delete(path, recursive: true);
            freed += size;
            logger.LogInformation("Removed leftover {Folder} ({Bytes} bytes)", Path.GetFileName(path), size);
        }
        return freed;
    }
}
