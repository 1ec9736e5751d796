using Narwhal.Api.Jobs;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Validation;

/// <summary>Locks in the Docker reference grammar a job's image must follow: what Docker takes passes, options and typos do not.</summary>
[TestFixture]
public sealed class ImageReference_Specs
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [TestCase("busybox")]
    [TestCase("local/busybox:1")]
    [TestCase("library/alpine:3.20")]
    [TestCase("registry:5000/team/app")]
    [TestCase("registry.example.com:5000/team/app:2.1")]
    [TestCase("localhost/app:latest")]
    [TestCase("Registry.Example.com/app")] // upper case is allowed in the registry host, not in the path
    [TestCase("[::1]:5000/app")]
    [TestCase("my_app__x/a-b--c.d:Tag_1.0-rc")]
    [TestCase("app@" + Digest)]
    [TestCase("ghcr.io/org/app:1.2@" + Digest)]
    public void Should_accept_docker_references(string image) =>
        Assert.That(ImageReference.IsValid(image), Is.True);

    [TestCase("")]
    [TestCase("--privileged")]
    [TestCase("-v/:/host")]
    [TestCase("busybox --privileged")]
    [TestCase("Busybox")]
    [TestCase("team/App")]
    [TestCase("busybox:")]
    [TestCase("busybox:.hidden")]
    [TestCase("busybox:-x")]
    [TestCase("busybox@sha256:abc")]
    [TestCase("busybox@" + Digest + "x")]
    [TestCase("/busybox")]
    [TestCase("busybox/")]
    [TestCase("a..b")]
    [TestCase("a//b")]
    [TestCase("busybox\n")]
    public void Should_refuse_what_is_not_a_reference(string image) =>
        Assert.That(ImageReference.IsValid(image), Is.False);

    [Test]
    public void Should_refuse_names_longer_than_docker_allows() =>
        Assert.That(ImageReference.IsValid(new string('a', 256)), Is.False);

    [Test]
    public void Should_refuse_tags_longer_than_128_characters() =>
        Assert.That(ImageReference.IsValid("app:" + new string('t', 129)), Is.False);
}
