using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Locks in which NARWHAL_DOCKER_HOST and NARWHAL_DOCKER_API_VERSION values the client accepts and where they lead.</summary>
[TestFixture]
public sealed class When_parsing_a_docker_host
{
    [Test]
    public void Should_speak_http_over_the_unix_socket()
    {
        var endpoint = DockerClientFactory.ParseHost("unix:///var/run/docker.sock");
        Assert.That(endpoint.Scheme, Is.EqualTo("unix"));
        Assert.That(endpoint.LocalPath, Is.EqualTo("/var/run/docker.sock"));
    }

    [TestCase("tcp://127.0.0.1:2375", "http://127.0.0.1:2375/")]
    [TestCase("http://docker.internal:2375", "http://docker.internal:2375/")]
    public void Should_speak_http_to_tcp_hosts(string host, string baseAddress)
    {
        Assert.That(DockerClientFactory.ParseHost(host), Is.EqualTo(new Uri(baseAddress)));
    }

    [TestCase("")]
    [TestCase("npipe:////./pipe/docker_engine")]
    [TestCase("/var/run/docker.sock")]
    [TestCase("unix://")]
    public void Should_reject_what_it_cannot_reach(string host)
    {
        Assert.Throws<ArgumentException>(() => DockerClientFactory.ParseHost(host));
    }

    [TestCase("1.41", 1, 41)]
    [TestCase("v1.44", 1, 44)]
    public void Should_pin_the_api_version(string setting, int major, int minor)
    {
        Assert.That(DockerClientFactory.ParseApiVersion(setting), Is.EqualTo(new Version(major, minor)));
    }

    [TestCase("")]
    [TestCase("latest")]
    [TestCase("1.41.2")]
    public void Should_reject_an_api_version_that_is_not_major_minor(string setting)
    {
        Assert.Throws<ArgumentException>(() => DockerClientFactory.ParseApiVersion(setting));
    }

}
