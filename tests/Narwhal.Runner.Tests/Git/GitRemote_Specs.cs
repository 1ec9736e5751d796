using Narwhal.Runner.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>Which repository URLs the Runner agrees to fetch, and what their mirrors are called.</summary>
[TestFixture]
public sealed class GitRemote_Specs
{
    [TestCase("https://github.com/narwhal/app.git")]
    [TestCase("http://127.0.0.1:8080/app")]
    [TestCase("ssh://git@github.com/narwhal/app.git")]
    [TestCase("git@github.com:narwhal/app.git")]
    [TestCase("git://127.0.0.1:9418/app")]
    public void When_the_url_is_a_plain_network_url_Should_accept_it(string url)
    {
        Assert.That(GitRemote.Parse(url, allowLocal: false).Url, Is.EqualTo(url));
    }

    [TestCase("https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/n/app.git", "ghp_abcdefghijklmnopqrstuvwxyz0123")]
    [TestCase("https://s3cr3t-t0ken@github.com/n/app.git", "s3cr3t-t0ken")]
    [TestCase("ssh://git:hunter2-pass@github.com/n/app.git", "hunter2-pass")]
    public void When_the_url_carries_credentials_Should_refuse_it_without_repeating_them(string url, string secret)
    {
        var error = Assert.Throws<GitFetchException>(() => GitRemote.Parse(url, allowLocal: false))!;

        Assert.That(error.Failure, Is.EqualTo(GitFailure.InvalidRequest));
        Assert.That(error.Message, Does.Contain("credentials").And.Not.Contain(secret));
    }

    [TestCase("ext::sh -c touch% /tmp/pwned")]
    [TestCase("ext::sh")]
    [TestCase("fd::17")]
    [TestCase("-uhelp")]
    [TestCase("ssh://-oProxyCommand=touch/tmp/x/app")]
    [TestCase("ftp://example.com/app.git")]
    [TestCase("/srv/git/app.git")]
    [TestCase("../app")]
    [TestCase("")]
    [TestCase("https://")]
    public void When_the_url_could_run_commands_or_is_not_a_repository_url_Should_refuse_it(string url)
    {
        Assert.That(() => GitRemote.Parse(url, allowLocal: true),
            Throws.InstanceOf<GitFetchException>().With.Property(nameof(GitFetchException.Failure)).EqualTo(GitFailure.InvalidRequest));
    }

    [Test]
    public void When_local_repositories_are_not_allowed_Should_refuse_file_urls_naming_the_setting_that_allows_them()
    {
        // A newcomer trying a local repository must learn from the run's statusReason how to allow it.
        Assert.That(() => GitRemote.Parse("file:///srv/git/app", allowLocal: false),
            Throws.InstanceOf<GitFetchException>().With.Message.Contains("NARWHAL_RUNNER_ALLOW_FILE_REPOS=true"));
        Assert.That(GitRemote.Parse("file:///srv/git/app", allowLocal: true).IsLocal, Is.True);
    }

    [Test]
    public void When_naming_mirrors_Should_be_readable_stable_and_distinct()
    {
        var first = GitRemote.Parse("https://github.com/narwhal/app.git", false).MirrorName;

        Assert.That(first, Does.StartWith("https-github-com-narwhal-app-git-"));
        Assert.That(GitRemote.Parse("https://github.com/narwhal/app.git", false).MirrorName, Is.EqualTo(first));
        Assert.That(GitRemote.Parse("https://github.com/narwhal/app", false).MirrorName, Is.Not.EqualTo(first));
        Assert.That(GitRemote.Parse("https://github.com/" + new string('x', 300), false).MirrorName.Length, Is.LessThan(70));
    }

    [TestCase("main", true)]
    [TestCase("feature/x-1.2", true)]
    [TestCase("-main", false)]
    [TestCase("a..b", false)]
    [TestCase("a b", false)]
    [TestCase("a:b", false)]
    [TestCase("x.lock", false)]
    [TestCase("dir/.hidden", false)]
    [TestCase("HEAD@{1}", false)]
    [TestCase("", false)]
    public void When_checking_branch_names_Should_follow_git_ref_rules(string name, bool valid)
    {
        Assert.That(GitRefNames.IsValidBranch(name), Is.EqualTo(valid));
    }
}
