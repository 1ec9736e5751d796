using System.Collections.Concurrent;

namespace Narwhal.Runner.Git;

/// <summary>
/// Keeps fetches, reads and eviction of one mirror from trampling each other, within this process
/// (a <see cref="SemaphoreSlim"/> per mirror, i.e. per repository URL) and across Runner processes
/// sharing the cache directory (file locks: <c>flock</c> through <see cref="FileShare"/> on Linux).
/// <list type="bullet">
/// <item>Fetch: semaphore + exclusive <c>.lock</c>. One writer per mirror.</item>
/// <item>Read (archive, file): shared <c>.use</c>. Reads run beside a fetch: git publishes packs and refs atomically.</item>
/// <item>Evict: all three, without waiting; a mirror in use is skipped.</item>
/// </list>
/// </summary>
internal sealed class MirrorLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireFetchAsync(MirrorDirectory mirror, CancellationToken ct)
    {
        var gate = Gate(mirror);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var file = await FileLock.AcquireAsync(mirror.LockPath, exclusive: true, ct).ConfigureAwait(false);
            return new Lease(gate, file);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    public static async Task<IDisposable> AcquireReadAsync(MirrorDirectory mirror, CancellationToken ct) =>
        await FileLock.AcquireAsync(mirror.UsePath, exclusive: false, ct).ConfigureAwait(false);

    /// <summary>Everything at once or nothing: null when anyone uses the mirror.</summary>
    public IDisposable? TryAcquireForEviction(MirrorDirectory mirror)
    {
        var gate = Gate(mirror);
        if (!gate.Wait(0)) return null;
        var fetch = FileLock.TryAcquire(mirror.LockPath, exclusive: true);
        var use = fetch is null ? null : FileLock.TryAcquire(mirror.UsePath, exclusive: true);
        if (use is null)
        {
            fetch?.Dispose();
            gate.Release();
            return null;
        }
        return new Lease(gate, fetch!, use);
    }

    private SemaphoreSlim Gate(MirrorDirectory mirror) => _gates.GetOrAdd(mirror.Name, _ => new SemaphoreSlim(1, 1));

    private sealed class Lease(SemaphoreSlim gate, params IDisposable[] files) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1) return;
            foreach (var file in files) file.Dispose();
            gate.Release();
        }
    }
}

/// <summary>
/// A lock held by keeping a file open: .NET takes <c>flock(LOCK_EX)</c> for <see cref="FileShare.None"/> and
/// <c>flock(LOCK_SH)</c> for read-only sharing, never blocking; contention surfaces as an <see cref="IOException"/>.
/// The lock dies with the process, so a crashed Runner leaves no stale lock.
/// </summary>
internal sealed class FileLock(FileStream stream) : IDisposable
{
    private static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(250);

    public static async Task<FileLock> AcquireAsync(string path, bool exclusive, CancellationToken ct)
    {
        var pause = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            if (TryAcquire(path, exclusive) is { } acquired) return acquired;
            await Task.Delay(pause, ct).ConfigureAwait(false); // no wait-for-unlock call exists for flock in .NET: poll
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPause.Ticks));
        }
    }

    public static FileLock? TryAcquire(string path, bool exclusive)
    {
        try
        {
            var stream = exclusive
                ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
                : new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
            return new FileLock(stream);
        }
        catch (IOException e) when (IsContention(e))
        {
            return null;
        }
    }

    /// <summary>EWOULDBLOCK (11) from flock on Linux, ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows.</summary>
    private static bool IsContention(IOException e) =>
        e.GetType() == typeof(IOException) && e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    public void Dispose() => stream.Dispose();
}
