namespace Narwhal.Runner.Caches;

/// <summary>
/// A folder of the Runner's work directory for one cache's tars while they go between the object store and the
/// container (the engine's upload must not stall on S3, and a stored tar is checked whole before it is used).
/// Removed on dispose; a failure to remove it is logged, never thrown.
/// </summary>
internal sealed class CacheScratch : IDisposable
{
    private readonly ILogger _logger;

    public CacheScratch(RunnerSettings settings, Guid runId, ILogger logger)
    {
        _logger = logger;
        Directory = Path.Combine(settings.WorkDirectory, $"cache-{runId:N}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string File(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "Removing the cache files in {Directory} failed", Directory);
        }
    }
}
