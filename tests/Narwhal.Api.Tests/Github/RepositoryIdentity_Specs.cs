using Narwhal.Api.Github.Webhooks;
using Narwhal.Core.Github;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>A job's git URL names a webhook's repository in any of the forms git accepts; other repositories never match.</summary>
[TestFixture]
public sealed class RepositoryIdentity_Specs
{
    private static readonly GithubRepositoryPayload HelloWorld = new()
    {
        FullName = "Codertocat/Hello-World",
        CloneUrl = "https://github.com/Codertocat/Hello-World.git",
        SshUrl = "git@github.com:Codertocat/Hello-World.git",
        GitUrl = "git://github.com/Codertocat/Hello-World.git",
        HtmlUrl = "https://github.com/Codertocat/Hello-World",
        SvnUrl = "https://github.com/Codertocat/Hello-World",
    };

    [TestCase("https://github.com/Codertocat/Hello-World.git")]
    [TestCase("https://github.com/Codertocat/Hello-World")]
    [TestCase("https://github.com/codertocat/hello-world/")]
    [TestCase("http://github.com/Codertocat/Hello-World.git")]
    [TestCase("https://GitHub.com:443/Codertocat/Hello-World.git")]
    [TestCase("git@github.com:Codertocat/Hello-World.git")]
    [TestCase("git@github.com:Codertocat/Hello-World")]
    [TestCase("ssh://git@github.com/Codertocat/Hello-World.git")]
    [TestCase("ssh://git@github.com:22/Codertocat/Hello-World")]
    [TestCase("ssh://git@ssh.github.com:443/Codertocat/Hello-World.git")]
    [TestCase("git://github.com/Codertocat/Hello-World")]
    [TestCase("  https://github.com/Codertocat/Hello-World.git  ")]
    public void When_a_url_names_the_repository_in_any_form_Should_match_the_payloads_repository(string url)
    {
        Assert.That(RepositoryIdentity.TryParse(url, out var identity), Is.True, url);
        Assert.That(HelloWorld.Identities(), Does.Contain(identity), url);
    }

    [TestCase("https://github.com/Codertocat/Hello-World-2.git")]
    [TestCase("https://github.com/Someone/Hello-World.git")]
    [TestCase("https://gitlab.com/Codertocat/Hello-World.git")]
    [TestCase("git@github.example.com:Codertocat/Hello-World.git")]
    [TestCase("https://github.com/Codertocat/Hello-World/tree/main")]
    [TestCase("file:///srv/git/Codertocat/Hello-World.git")]
    public void When_a_url_names_another_repository_Should_not_match(string url)
    {
        var matches = RepositoryIdentity.TryParse(url, out var identity) && HelloWorld.Identities().Contains(identity);
        Assert.That(matches, Is.False, url);
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase(null)]
    [TestCase("not a url")]
    [TestCase("https://github.com/")]
    [TestCase("/srv/git/repo.git")]
    public void When_the_text_is_no_remote_url_Should_not_parse(string? url)
    {
        Assert.That(RepositoryIdentity.TryParse(url, out _), Is.False);
    }

    [Test]
    public void When_a_payload_only_has_its_full_name_and_html_url_Should_still_yield_the_identity()
    {
        var identities = new GithubRepositoryPayload { FullName = "Acme/Api", HtmlUrl = "https://ghe.acme.test/Acme/Api" }.Identities();

        Assert.That(RepositoryIdentity.TryParse("git@ghe.acme.test:acme/api.git", out var ssh), Is.True);
        Assert.That(identities, Does.Contain(ssh));
        Assert.That(ssh.ToString(), Is.EqualTo("ghe.acme.test/acme/api"));
    }
}
