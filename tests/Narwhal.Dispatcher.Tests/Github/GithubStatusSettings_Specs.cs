using Microsoft.Extensions.Configuration;
using Narwhal.Dispatcher.Github;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Github;

/// <summary>GitHub settings: github.com by default, GitHub Enterprise by its API URL, the web host derived from it unless set.</summary>
[TestFixture]
public sealed class GithubStatusSettings_Specs
{
    private static GithubStatusSettings From(params (string Key, string Value)[] values) =>
        GithubStatusSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build());

    [Test]
    public void When_nothing_is_set_Should_target_github_com_and_be_off()
    {
        var settings = From();

        Assert.That(settings.ApiUrl, Is.EqualTo(new Uri("https://api.github.com/")));
        Assert.That(settings.Host, Is.EqualTo("github.com"));
        Assert.That(settings.Enabled, Is.False, "no token, no reporter");
        Assert.That(settings.PublicUrl, Is.Null);
        Assert.That(settings.GiveUpAfter, Is.EqualTo(TimeSpan.FromMinutes(30)));
    }

    [Test]
    public void When_a_github_enterprise_api_url_is_set_Should_match_job_urls_on_its_host()
    {
        var settings = From(("NARWHAL_GITHUB_API_URL", "https://ghe.example.com/api/v3"), ("NARWHAL_GITHUB_TOKEN", "t"));

        Assert.That(settings.Host, Is.EqualTo("ghe.example.com"));
        Assert.That(settings.Enabled, Is.True);
    }

    [Test]
    public void When_the_host_is_set_Should_win_over_the_derived_one() =>
        Assert.That(From(("NARWHAL_GITHUB_API_URL", "https://api.ghe.example.com/"), ("NARWHAL_GITHUB_HOST", "ghe.example.com")).Host,
            Is.EqualTo("ghe.example.com"));

    [TestCase("NARWHAL_GITHUB_API_URL", "api.github.com")]
    [TestCase("NARWHAL_PUBLIC_URL", "ftp://ci.example.com")]
    [TestCase("NARWHAL_PUBLIC_URL", "https://user:pw@ci.example.com")]
    [TestCase("NARWHAL_GITHUB_STATUS_GIVE_UP_MINUTES", "soon")]
    public void When_a_value_is_malformed_Should_refuse_to_start_naming_the_setting(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => From((key, value)));
        Assert.That(error!.Message, Does.Contain(key));
    }
}
