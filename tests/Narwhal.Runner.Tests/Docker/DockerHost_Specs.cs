using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Locks in which NARWHAL_DOCKER_HOST values the client accepts and where they lead.</summary>
[TestFixture]
public sealed class When_parsing_a_docker_host
{
    [Test]
    public void Should_speak_http_over_the_unix_socket()
    {
        var (_, socket) = DockerHttpClientFactory.Parse("unix:///var/run/docker.sock");
        Assert.That(socket, Is.EqualTo("/var/run/docker.sock"));
    }

    [TestCase("tcp://127.0.0.1:2375", "http://127.0.0.1:2375/")]
    [TestCase("http://docker.internal:2375", "http://docker.internal:2375/")]
    public void Should_speak_http_to_tcp_hosts(string host, string baseAddress)
    {
        var (address, socket) = DockerHttpClientFactory.Parse(host);
        Assert.That(address, Is.EqualTo(new Uri(baseAddress)));
        Assert.That(socket, Is.Null);
    }

    [TestCase("")]
    [TestCase("npipe:////./pipe/docker_engine")]
    [TestCase("/var/run/docker.sock")]
    [TestCase("unix://")]
    public void Should_reject_what_it_cannot_reach(string host)
    {
        Assert.Throws<ArgumentException>(() => DockerHttpClientFactory.Parse(host));
    }

}
