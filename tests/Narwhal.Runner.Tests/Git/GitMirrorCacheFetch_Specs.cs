using Narwhal.Runner.Git;
using Narwhal.Runner.Tests.Git.Support;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>Fetching into the mirror and resolving the run's ref, against real repositories over file://.</summary>
[TestFixture]
public sealed class GitMirrorCacheFetch_Specs : GitCacheTestBase
{
    [Test]
    public async Task When_fetching_a_branch_Should_return_the_sha_of_its_head()
    {
        var upstream = NewUpstream();
        upstream.Commit("one", ("README.md", "one"));
        var main = upstream.Commit("two", ("README.md", "two"));
        upstream.CreateBranch("feature/x");
        var feature = upstream.Commit("three", ("feature.txt", "x"));

        Assert.Multiple(async () =>
        {
            Assert.That(await Cache.FetchAsync(upstream.FileUrl, "main", null, null, Deadline), Is.EqualTo(main));
            Assert.That(await Cache.FetchAsync(upstream.FileUrl, "feature/x", null, null, Deadline), Is.EqualTo(feature));
            Assert.That(await Cache.FetchAsync(upstream.FileUrl, "refs/heads/main", null, null, Deadline), Is.EqualTo(main));
        });
    }

    [Test]
    public async Task When_the_branch_moves_Should_return_its_new_head_on_the_next_fetch()
    {
        var upstream = NewUpstream();
        var first = upstream.Commit("one", ("a.txt", "1"));
        Assert.That(await Cache.FetchAsync(upstream.FileUrl, "main", null, null, Deadline), Is.EqualTo(first));

        upstream.Git("commit", "--quiet", "--amend", "-m", "rewritten");
        var rewritten = upstream.Head();

        Assert.That(await Cache.FetchAsync(upstream.FileUrl, "main", null, null, Deadline), Is.EqualTo(rewritten).And.Not.EqualTo(first),
            "a force-pushed branch is followed");
    }

    [Test]
    public async Task When_a_new_branch_nests_with_one_deleted_upstream_Should_still_fetch_it()
    {
        var upstream = NewUpstream();
        upstream.Commit("one", ("a.txt", "1"));
        upstream.CreateBranch("feature");
        await Cache.FetchAsync(upstream.FileUrl, "feature", null, null, Deadline);
        upstream.Checkout("main");
        upstream.DeleteBranch("feature");
        upstream.CreateBranch("feature/x");
        var nested = upstream.Commit("nested", ("b.txt", "2"));

        var sha = await Cache.FetchAsync(upstream.FileUrl, "feature/x", null, null, Deadline);

        Assert.That(sha, Is.EqualTo(nested));
        Assert.That(Log.Lines, Has.Some.Contains("clashes with a stale branch"));
    }

    [Test]
    public async Task When_fetching_an_older_commit_by_sha_Should_return_it_in_full_lowercase()
    {
        var upstream = NewUpstream();
        var old = upstream.Commit("one", ("a.txt", "1"));
        upstream.Commit("two", ("a.txt", "2"));

        var sha = await Cache.FetchAsync(upstream.FileUrl, null, old.ToUpperInvariant(), null, Deadline);

        Assert.That(sha, Is.EqualTo(old));
        Assert.That(await Cache.ReadFileAsync(upstream.FileUrl, sha, "a.txt", Deadline), Is.EqualTo("1"));
    }

    [Test]
    public async Task When_the_commit_is_on_no_branch_any_more_Should_fetch_it_by_id_in_one_fetch()
    {
        var upstream = NewUpstream();
        upstream.Commit("one", ("a.txt", "1"));
        upstream.CreateBranch("gone");
        var orphaned = upstream.Commit("on a deleted branch", ("b.txt", "b"));
        upstream.Checkout("main");
        upstream.DeleteBranch("gone");

        var sha = await Cache.FetchAsync(upstream.FileUrl, null, orphaned, null, Deadline);

        Assert.That(sha, Is.EqualTo(orphaned));
        Assert.That(Cache.FetchCount, Is.EqualTo(1), "protocol v2 serves any commit by id: no fallback needed");
    }

    [Test]
    public async Task When_the_commit_is_already_in_the_mirror_Should_not_fetch_again()
    {
        var upstream = NewUpstream();
        var head = upstream.Commit("one", ("a.txt", "1"));
        await Cache.FetchAsync(upstream.FileUrl, "main", null, null, Deadline);

        var sha = await Cache.FetchAsync(upstream.FileUrl, null, head, null, Deadline);

        Assert.That(sha, Is.EqualTo(head));
        Assert.That(Cache.FetchCount, Is.EqualTo(1));
    }

    [Test]
    public async Task When_a_new_commit_is_pushed_Should_fetch_only_the_new_objects()
    {
        var upstream = NewUpstream();
        for (var i = 0; i < 5; i++)
            upstream.Commit($"commit {i}", ($"file{i}.txt", $"content {i}"), ("src/shared.txt", $"version {i}"));
        await Cache.FetchAsync(upstream.FileUrl, "main", null, null, Deadline);
        var mirror = MirrorOf(upstream.FileUrl);
        var objectsBefore = ObjectsIn(mirror);
        var packsBefore = Directory.GetFiles(Path.Combine(mirror, "objects", "pack"), "*.idx");

        var head = upstream.Commit("one more", ("README.md", "new"));
        var sha = await Cache.FetchAsync(upstream.FileUrl, "main", null, null, Deadline);

        var newPack = Directory.GetFiles(Path.Combine(mirror, "objects", "pack"), "*.idx").Except(packsBefore).Single();
        var transferred = TestGit.Run(mirror, "verify-pack", "-v", newPack).Split('\n').Where(line => line.Length > 40 && line[40] == ' ').ToList();
        var expected = new[] { head, upstream.Git("rev-parse", "HEAD^{tree}"), upstream.Git("rev-parse", "HEAD:README.md") };
        TestContext.Out.WriteLine(string.Join('\n', transferred));
        Assert.Multiple(() =>
        {
            Assert.That(sha, Is.EqualTo(head));
            Assert.That(Cache.FetchCount, Is.EqualTo(2));
            Assert.That(ObjectsIn(mirror).Except(objectsBefore), Is.EquivalentTo(expected), "new to the mirror: the commit, its root tree, the new blob");
            Assert.That(transferred.Where(line => line.Contains(" commit ")).Select(line => line[..40]), Is.EqualTo(new[] { head }),
                "the pack holds no older commit (at most a delta base of git's thin pack)");
            Assert.That(CountObjects(mirror)["count"], Is.Zero, "fetched objects are kept as packs, never as half-written loose objects");
        });
    }

    [Test]
    public async Task When_the_server_refuses_a_commit_by_id_Should_fall_back_to_all_branches_and_tags()
    {
        // Protocol v0 over a stateful transport (file, ssh, git) serves only advertised tips by id,
        // unless uploadpack.allowReachableSHA1InWant; v2 and HTTP serve any reachable commit.
        Cache.Git.ExtraEnvironment = new Dictionary<string, string>
        {
            ["GIT_CONFIG_COUNT"] = "1", ["GIT_CONFIG_KEY_0"] = "protocol.version", ["GIT_CONFIG_VALUE_0"] = "0",
        };
        var upstream = NewUpstream();
        upstream.Commit("one", ("a.txt", "1"));
        upstream.CreateBranch("release");
        var inside = upstream.Commit("release candidate", ("VERSION", "1.0-rc"));
        upstream.Commit("release", ("VERSION", "1.0"));
        upstream.Git("tag", "v1.0");
        upstream.Checkout("main");
        upstream.DeleteBranch("release");

        var sha = await Cache.FetchAsync(upstream.FileUrl, null, inside, null, Deadline);

        Assert.That(sha, Is.EqualTo(inside));
        Assert.That(Cache.FetchCount, Is.EqualTo(2), "refused by id, then found through the tags");
        Assert.That(Log.Lines, Has.Some.Contains("did not give"));
    }

    [Test]
    public async Task When_four_tasks_fetch_the_same_url_at_once_Should_all_get_the_same_sha_and_one_sound_mirror()
    {
        var upstream = NewUpstream();
        var head = upstream.Commit("one", ("a.txt", "1"));

        var shas = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Cache.FetchAsync(upstream.FileUrl, "main", null, null, Deadline))));

        Assert.That(shas, Is.All.EqualTo(head));
        Assert.That(Directory.GetDirectories(CacheDirectory), Is.EqualTo(new[] { MirrorOf(upstream.FileUrl) }));
        TestGit.Run(CacheDirectory, "--git-dir", MirrorOf(upstream.FileUrl), "fsck", "--strict");
    }

    [Test]
    public async Task When_two_caches_share_one_directory_Should_serialise_through_the_file_lock()
    {
        // Two GitMirrorCache instances have separate semaphores, like two Runner processes: only the file lock orders them.
        var upstream = NewUpstream();
        upstream.Commit("one", ("a.txt", "1"));
        upstream.CreateBranch("side");
        var side = upstream.Commit("side", ("b.txt", "2"));
        upstream.Checkout("main");
        var main = upstream.Head();
        var other = NewCache();

        var fetches = Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Cache : other).FetchAsync(upstream.FileUrl, i % 3 == 0 ? "side" : "main", null, null, Deadline))).ToArray();
        var shas = await Task.WhenAll(fetches);

        Assert.That(shas, Is.EqualTo(new[] { side, main, main, side, main, main }));
        TestGit.Run(CacheDirectory, "--git-dir", MirrorOf(upstream.FileUrl), "fsck", "--strict");
    }

    [Test]
    public void When_the_branch_does_not_exist_Should_throw_RefNotFound_naming_branch_and_url()
    {
        var upstream = NewUpstream();
        upstream.Commit("one", ("a.txt", "1"));

        var error = Assert.ThrowsAsync<GitFetchException>(() => Cache.FetchAsync(upstream.FileUrl, "no-such-branch", null, null, Deadline))!;

        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Failure, Is.EqualTo(GitFailure.RefNotFound));
        Assert.That(error.Message, Does.Contain("no-such-branch").And.Contain(upstream.FileUrl));
        Assert.That(error.IsTransient, Is.False);
    }

    [Test]
    public void When_the_commit_does_not_exist_Should_throw_RefNotFound_after_trying_by_id_and_all_refs()
    {
        var upstream = NewUpstream();
        upstream.Commit("one", ("a.txt", "1"));
        const string missing = "0123456789abcdef0123456789abcdef01234567";

        var error = Assert.ThrowsAsync<GitFetchException>(() => Cache.FetchAsync(upstream.FileUrl, null, missing, null, Deadline))!;

        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Failure, Is.EqualTo(GitFailure.RefNotFound));
        Assert.That(error.Message, Does.Contain(missing).And.Contain(upstream.FileUrl));
        Assert.That(Cache.FetchCount, Is.EqualTo(2));
    }

    [TestCase("-upload-pack=touch", null)]
    [TestCase("a..b", null)]
    [TestCase("main:evil", null)]
    [TestCase(null, "abc123")]
    [TestCase(null, "--upload-pack=x")]
    public void When_the_ref_is_malformed_Should_throw_InvalidRequest_without_running_git(string? branch, string? commitSha)
    {
        var upstream = NewUpstream();

        var error = Assert.ThrowsAsync<GitFetchException>(() => Cache.FetchAsync(upstream.FileUrl, branch, commitSha, null, Deadline))!;

        Assert.That(error.Failure, Is.EqualTo(GitFailure.InvalidRequest));
        Assert.That(Started, Is.Empty);
    }

    [TestCase("main", "0123456789abcdef0123456789abcdef01234567")]
    [TestCase(null, null)]
    public void When_not_exactly_one_ref_is_given_Should_throw_ArgumentException(string? branch, string? commitSha)
    {
        var upstream = NewUpstream();

        Assert.ThrowsAsync<ArgumentException>(() => Cache.FetchAsync(upstream.FileUrl, branch, commitSha, null, Deadline));
    }

    [Test]
    public void When_file_urls_are_not_allowed_Should_refuse_a_local_repository()
    {
        var upstream = NewUpstream();
        upstream.Commit("one", ("a.txt", "1"));
        var strict = new GitMirrorCache(CacheDirectory, Log);

        var error = Assert.ThrowsAsync<GitFetchException>(() => strict.FetchAsync(upstream.FileUrl, "main", null, null, Deadline))!;

        Assert.That(error.Failure, Is.EqualTo(GitFailure.InvalidRequest));
        Assert.That(strict.FetchCount, Is.Zero);
    }
}
