using Narwhal.Runner.Tests.Git.Support;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>
/// A fork's pull request: its commits are on no branch of the repository, only behind GitHub's
/// <c>refs/pull/N/head</c>. When the server will not give the run's commit by id (protocol v0 gives
/// only advertised tips, and a run of an earlier push to the pull request is no tip any more), the pull
/// request's ref brings it.
/// </summary>
[TestFixture]
public sealed class GitMirrorCachePullRequest_Specs : GitCacheTestBase
{
    [Test]
    public async Task When_the_server_refuses_a_fork_commit_by_id_Should_fetch_the_pull_requests_head_ref()
    {
        // Protocol v0 over file:// serves only advertised tips by id (like ssh and git://).
        Cache.Git.ExtraEnvironment = new Dictionary<string, string>
        {
            ["GIT_CONFIG_COUNT"] = "1", ["GIT_CONFIG_KEY_0"] = "protocol.version", ["GIT_CONFIG_VALUE_0"] = "0",
        };
        var upstream = NewUpstream();
        upstream.Commit("main", ("a.txt", "1"));
        upstream.CreateBranch("fork-work");
        var firstPush = upstream.Commit("from a fork", ("b.txt", "2"));
        var secondPush = upstream.Commit("pushed again", ("b.txt", "3"));
        upstream.Checkout("main");
        upstream.Git("update-ref", "refs/pull/7/head", secondPush);
        upstream.DeleteBranch("fork-work");

        var sha = await Cache.FetchAsync(upstream.FileUrl, null, firstPush, null, Deadline, pullRequest: 7);

        Assert.That(sha, Is.EqualTo(firstPush));
        Assert.That(Cache.FetchCount, Is.EqualTo(2), "refused by id, then found on refs/pull/7/head: branches and tags were not needed");
        Assert.That(Started.Where(s => s.IsFetch).Last().Arguments, Does.Contain("+refs/pull/7/head:refs/pull/7/head"));
    }

    [Test]
    public async Task When_the_commit_is_not_on_the_pull_request_either_Should_still_try_branches_and_tags()
    {
        Cache.Git.ExtraEnvironment = new Dictionary<string, string>
        {
            ["GIT_CONFIG_COUNT"] = "1", ["GIT_CONFIG_KEY_0"] = "protocol.version", ["GIT_CONFIG_VALUE_0"] = "0",
        };
        var upstream = NewUpstream();
        upstream.Commit("main", ("a.txt", "1"));
        upstream.CreateBranch("release");
        var onRelease = upstream.Commit("release candidate", ("b.txt", "2"));
        upstream.Commit("release", ("b.txt", "3"));
        upstream.Git("tag", "v1");
        upstream.Checkout("main");
        upstream.DeleteBranch("release");

        var sha = await Cache.FetchAsync(upstream.FileUrl, null, onRelease, null, Deadline, pullRequest: 3);

        Assert.That(sha, Is.EqualTo(onRelease));
        Assert.That(Cache.FetchCount, Is.EqualTo(3), "by id, the pull request's ref (absent), then branches and tags");
    }
}
