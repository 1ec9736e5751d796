using Narwhal.Dispatcher.Github.Statuses;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Github;

/// <summary>A job's git URL names a GitHub repository only on the configured host, in every URL shape git accepts.</summary>
[TestFixture]
public sealed class GithubRepository_Specs
{
    [TestCase("https://github.com/acme/app.git")]
    [TestCase("https://github.com/acme/app")]
    [TestCase("https://github.com/acme/app/")]
    [TestCase("https://GitHub.com/acme/app.git")]
    [TestCase("http://github.com/acme/app.git")]
    [TestCase("https://ci-bot@github.com/acme/app.git")]
    [TestCase("git@github.com:acme/app.git")]
    [TestCase("git@github.com:acme/app")]
    [TestCase("github.com:acme/app.git")]
    [TestCase("ssh://git@github.com/acme/app.git")]
    [TestCase("ssh://git@github.com:22/acme/app")]
    [TestCase("git://github.com/acme/app.git")]
    public void When_the_url_is_on_the_host_Should_name_owner_and_repository(string url)
    {
        var repository = GithubRepository.FromGitUrl(url, "github.com");

        Assert.That(repository, Is.EqualTo(new GithubRepository("acme", "app")));
        Assert.That(repository!.FullName, Is.EqualTo("acme/app"));
    }

    [TestCase("https://gitlab.com/acme/app.git", "github.com")]
    [TestCase("git@gitlab.com:acme/app.git", "github.com")]
    [TestCase("https://github.com.evil.example/acme/app.git", "github.com")]
    [TestCase("https://github.com/acme/app/tree/main", "github.com")]
    [TestCase("https://github.com/acme", "github.com")]
    [TestCase("file:///srv/git/acme/app.git", "github.com")]
    [TestCase("/srv/git/acme/app.git", "github.com")]
    [TestCase("", "github.com")]
    public void When_the_url_is_elsewhere_or_not_a_repository_Should_name_none(string url, string host) =>
        Assert.That(GithubRepository.FromGitUrl(url, host), Is.Null);

    [Test]
    public void When_the_host_is_a_github_enterprise_server_Should_match_its_urls_whatever_their_port()
    {
        Assert.That(GithubRepository.FromGitUrl("https://ghe.example.com:8443/tools/lint.git", "ghe.example.com"),
            Is.EqualTo(new GithubRepository("tools", "lint")));
        Assert.That(GithubRepository.FromGitUrl("ssh://git@ghe.example.com:2222/tools/lint.git", "ghe.example.com:8443"),
            Is.EqualTo(new GithubRepository("tools", "lint")));
        Assert.That(GithubRepository.FromGitUrl("git@ghe.example.com:tools/lint.git", "ghe.example.com"),
            Is.EqualTo(new GithubRepository("tools", "lint")));
    }

    [TestCase("acme/app", true)]
    [TestCase("acme/app.js", true)]
    [TestCase("acme", false)]
    [TestCase("acme/app/extra", false)]
    [TestCase("acme/..", false)]
    [TestCase("-acme/app", false)]
    public void When_a_webhook_names_a_full_name_Should_accept_only_owner_slash_name(string fullName, bool valid) =>
        Assert.That(GithubRepository.ParseFullName(fullName) is not null, Is.EqualTo(valid));
}
