using Narwhal.Runner.Tests.Git.Support;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>Keeping the cache under its size budget: least recently used mirrors go first, mirrors in use stay.</summary>
[TestFixture]
public sealed class GitMirrorCacheEviction_Specs : GitCacheTestBase
{
    private UpstreamRepository _alpha = null!;
    private UpstreamRepository _bravo = null!;
    private UpstreamRepository _charlie = null!;

    [SetUp]
    public async Task FetchThreeRepositories()
    {
        _alpha = NewUpstream("alpha");
        _bravo = NewUpstream("bravo");
        _charlie = NewUpstream("charlie");
        foreach (var upstream in new[] { _alpha, _bravo, _charlie })
        {
            upstream.Commit("one", ("README.md", $"# {upstream.Name}\n"));
            await Cache.FetchAsync(upstream.FileUrl, "main", null, null, Deadline);
        }
    }

    private string Mirror(UpstreamRepository upstream) => MirrorOf(upstream.FileUrl);

    private long TotalSize() => new[] { _alpha, _bravo, _charlie }.Select(Mirror).Where(Directory.Exists).Sum(SizeOf);

    [Test]
    public async Task When_over_budget_Should_evict_the_least_recently_used_mirror_first()
    {
        // Fetched alpha, bravo, charlie in that order; reading alpha makes bravo the least recently used.
        await Cache.ReadFileAsync(_alpha.FileUrl, _alpha.Head(), "README.md", Deadline);
        var bravoSize = SizeOf(Mirror(_bravo));

        var freed = await Cache.EvictAsync(TotalSize() - 1, Deadline);

        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(Mirror(_bravo)), Is.False);
            Assert.That(Directory.Exists(Mirror(_alpha)), Is.True);
            Assert.That(Directory.Exists(Mirror(_charlie)), Is.True);
            Assert.That(freed, Is.EqualTo(bravoSize));
        });
    }

    [Test]
    public async Task When_far_over_budget_Should_evict_in_order_of_last_use_until_under_it()
    {
        var budget = SizeOf(Mirror(_charlie));

        var freed = await Cache.EvictAsync(budget, Deadline);

        Assert.That(new[] { _alpha, _bravo, _charlie }.Select(upstream => Directory.Exists(Mirror(upstream))), Is.EqualTo(new[] { false, false, true }));
        Assert.That(freed, Is.GreaterThan(0));
        Assert.That(TotalSize(), Is.LessThanOrEqualTo(budget));
    }

    [Test]
    public async Task When_under_budget_Should_evict_nothing()
    {
        var freed = await Cache.EvictAsync(TotalSize(), Deadline);

        Assert.That(freed, Is.Zero);
        Assert.That(new[] { _alpha, _bravo, _charlie }.Select(Mirror), Is.All.Matches<string>(Directory.Exists));
    }

    [TestCase(".lock", FileShare.None, TestName = "When_another_process_fetches_into_a_mirror_Should_skip_it")]
    [TestCase(".use", FileShare.ReadWrite, TestName = "When_another_process_reads_from_a_mirror_Should_skip_it")]
    public async Task When_a_mirror_is_locked_Should_skip_it(string lockSuffix, FileShare share)
    {
        // What another Runner process sharing the cache holds while it fetches (.lock, exclusive) or archives (.use, shared).
        var lockFile = Mirror(_alpha)[..^".git".Length] + lockSuffix;
        var access = share == FileShare.None ? FileAccess.ReadWrite : FileAccess.Read;
        await using (new FileStream(lockFile, FileMode.OpenOrCreate, access, share))
        {
            var freed = await Cache.EvictAsync(0, Deadline);

            Assert.That(Directory.Exists(Mirror(_alpha)), Is.True);
            Assert.That(Directory.Exists(Mirror(_bravo)) || Directory.Exists(Mirror(_charlie)), Is.False);
            Assert.That(freed, Is.GreaterThan(0));
            Assert.That(Log.Lines, Has.Some.Contains("skips"));
        }

        Assert.That(await Cache.EvictAsync(0, Deadline), Is.GreaterThan(0));
        Assert.That(Directory.Exists(Mirror(_alpha)), Is.False, "evicted once released");
    }

    [Test]
    public async Task When_an_evicted_mirror_is_needed_again_Should_fetch_it_afresh()
    {
        await Cache.EvictAsync(0, Deadline);

        var sha = await Cache.FetchAsync(_bravo.FileUrl, "main", null, null, Deadline);

        Assert.That(sha, Is.EqualTo(_bravo.Head()));
        Assert.That(Cache.FetchCount, Is.EqualTo(4));
        Assert.That(Directory.GetDirectories(CacheDirectory), Is.EqualTo(new[] { Mirror(_bravo) }), "no leftovers of the evicted mirrors");
    }

    [Test]
    public async Task When_a_crash_left_half_created_or_half_deleted_mirrors_Should_remove_them()
    {
        var name = Path.GetFileName(Mirror(_alpha))[..^".git".Length];
        foreach (var leftover in new[] { $"{name}.init-0a1b", $"{name}.evicting-2c3d" })
        {
            Directory.CreateDirectory(Path.Combine(CacheDirectory, leftover, "objects"));
            await File.WriteAllTextAsync(Path.Combine(CacheDirectory, leftover, "objects", "x"), "12345", Deadline);
        }

        var freed = await Cache.EvictAsync(long.MaxValue, Deadline);

        Assert.That(freed, Is.EqualTo(10));
        Assert.That(Directory.GetDirectories(CacheDirectory).Select(Path.GetFileName), Is.EquivalentTo(
            new[] { _alpha, _bravo, _charlie }.Select(upstream => Path.GetFileName(Mirror(upstream)))));
    }
}
