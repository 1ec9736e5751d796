using System.Collections.Concurrent;
using Narwhal.Runner.Git;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git.Support;

/// <summary>A git process the cache started, as the tests see it: the arguments exactly as passed, and the environment.</summary>
public sealed record StartedGit(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, int ProcessId)
{
    public bool IsFetch => Arguments.Contains("fetch");
}

/// <summary>
/// Each test gets its own folder (upstream repositories, served folder, cache directory) and a
/// <see cref="GitMirrorCache"/> allowing file:// URLs, whose every git process is recorded in <see cref="Started"/>.
/// </summary>
public abstract class GitCacheTestBase
{
    private CancellationTokenSource _deadline = null!;

    protected string Root { get; private set; } = null!;
    protected string CacheDirectory => Path.Combine(Root, "cache");
    protected string ServedDirectory => Path.Combine(Root, "served");
    protected RecordingLogger<GitMirrorCache> Log { get; private set; } = null!;
    protected GitMirrorCache Cache { get; private set; } = null!;
    protected ConcurrentQueue<StartedGit> Started { get; } = new();

    /// <summary>Bounds each test: a hung git fails the test instead of the run.</summary>
    protected CancellationToken Deadline => _deadline.Token;

    [SetUp]
    public void CreateFolders()
    {
        Root = Directory.CreateTempSubdirectory("narwhal-git-test-").FullName;
        Directory.CreateDirectory(ServedDirectory);
        Log = new RecordingLogger<GitMirrorCache>();
        Started.Clear();
        Cache = NewCache();
        _deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
    }

    [TearDown]
    public void RemoveFolders()
    {
        _deadline.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    protected GitMirrorCache NewCache(TimeSpan? fetchTimeout = null)
    {
        var cache = new GitMirrorCache(CacheDirectory, Log, fetchTimeout, allowLocalRepositories: true);
        cache.Git.Started = started => Started.Enqueue(new StartedGit(started.Arguments, started.Environment, started.ProcessId));
        return cache;
    }

    protected UpstreamRepository NewUpstream(string name = "upstream") => UpstreamRepository.Create(ServedDirectory, name);

    /// <summary>The mirror folder of <paramref name="url"/> in the cache directory.</summary>
    protected string MirrorOf(string url) => Path.Combine(CacheDirectory, GitRemote.Parse(url, allowLocal: true).MirrorName + ".git");

    protected static long SizeOf(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(file => new FileInfo(file).Length);

    /// <summary>Ids of all objects in the repository, packed or loose.</summary>
    protected static HashSet<string> ObjectsIn(string gitDirectory) =>
        [.. TestGit.Run(gitDirectory, "--git-dir", gitDirectory, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)").Split('\n')];

    /// <summary>The values of <c>git count-objects -v</c> for the mirror (count = loose objects, in-pack = packed ones).</summary>
    protected static Dictionary<string, long> CountObjects(string gitDirectory) =>
        TestGit.Run(gitDirectory, "--git-dir", gitDirectory, "count-objects", "-v")
            .Split('\n')
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim(), parts => long.Parse(parts[1].Trim()));
}
