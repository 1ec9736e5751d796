namespace Narwhal.Runner.Git;

/// <summary>
/// Where one mirror lives in the cache directory:
/// <code>
/// &lt;name&gt;.git/                  the bare mirror (with narwhal-last-used, touched on each use)
/// &lt;name&gt;.lock                  exclusive file lock: fetching or evicting
/// &lt;name&gt;.use                   shared file lock: reading (archive, file); eviction takes it exclusively
/// &lt;name&gt;.init-*/ .evicting-*/  a mirror being created or deleted (never read)
/// </code>
/// Lock files are never deleted: deleting a lock file another process has open would let two
/// processes each hold "the" lock on different files.
/// </summary>
internal sealed record MirrorDirectory(string Name, string GitDirectory, string LockPath, string UsePath)
{
    private const string Suffix = ".git";
    private const string MarkerName = "narwhal-last-used";

    public static MirrorDirectory For(string cacheDirectory, string name) => new(
        name,
        Path.Combine(cacheDirectory, name + Suffix),
        Path.Combine(cacheDirectory, name + ".lock"),
        Path.Combine(cacheDirectory, name + ".use"));

    /// <summary>The mirrors present in <paramref name="cacheDirectory"/>.</summary>
    public static IReadOnlyList<MirrorDirectory> All(string cacheDirectory) =>
        System.IO.Directory.Exists(cacheDirectory)
            ? [.. System.IO.Directory.EnumerateDirectories(cacheDirectory, "*" + Suffix)
                .Select(path => For(cacheDirectory, Path.GetFileName(path)[..^Suffix.Length]))]
            : [];

    /// <summary>Complete mirrors have HEAD: <c>git init</c> runs in a staging folder that is renamed into place.</summary>
    public bool Exists => File.Exists(Path.Combine(GitDirectory, "HEAD"));

    public string Marker => Path.Combine(GitDirectory, MarkerName);

    public string StagingDirectory() => Path.Combine(Path.GetDirectoryName(GitDirectory)!, $"{Name}.init-{Guid.NewGuid():N}");

    public string EvictingDirectory() => Path.Combine(Path.GetDirectoryName(GitDirectory)!, $"{Name}.evicting-{Guid.NewGuid():N}");

    /// <summary>Leftovers of a creation or deletion of this mirror that a crash interrupted.</summary>
    public IEnumerable<string> Leftovers() =>
        Leftovers(Path.GetDirectoryName(GitDirectory)!).Where(leftover => leftover.Name == Name).Select(leftover => leftover.Path).ToList();

    /// <summary>Leftovers of creations and deletions in the whole cache, with the name of the mirror each belongs to.</summary>
    public static IReadOnlyList<(string Path, string Name)> Leftovers(string cacheDirectory)
    {
        if (!System.IO.Directory.Exists(cacheDirectory)) return [];
        return [.. System.IO.Directory.EnumerateDirectories(cacheDirectory)
            .Select(path => (Path: path, File: Path.GetFileName(path)))
            .Select(entry => (entry.Path, Cut: Math.Max(entry.File.LastIndexOf(".init-", StringComparison.Ordinal), entry.File.LastIndexOf(".evicting-", StringComparison.Ordinal)), entry.File))
            .Where(entry => entry.Cut > 0)
            .Select(entry => (entry.Path, entry.File[..entry.Cut]))];
    }

    /// <summary>Marks the mirror used now: eviction goes by this time, least recent first.</summary>
    public void Touch()
    {
        using (new FileStream(Marker, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite)) { }
        File.SetLastWriteTimeUtc(Marker, DateTime.UtcNow);
    }

    public DateTime LastUsedUtc =>
        File.Exists(Marker) ? File.GetLastWriteTimeUtc(Marker) : System.IO.Directory.GetLastWriteTimeUtc(GitDirectory);

    public long SizeBytes() => SizeOf(GitDirectory);

    public static long SizeOf(string directory)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        try
        {
            return new DirectoryInfo(directory).EnumerateFiles("*", options).Sum(file => file.Length);
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
    }
}
