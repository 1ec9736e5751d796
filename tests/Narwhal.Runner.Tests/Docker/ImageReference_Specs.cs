using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Locks in how an image reference becomes the pull call's fromImage and tag.</summary>
[TestFixture]
public sealed class When_splitting_an_image_reference
{
    [TestCase("local/busybox:1", "local/busybox", "1")]
    [TestCase("busybox", "busybox", "latest")]
    [TestCase("registry:5000/team/app", "registry:5000/team/app", "latest")]
    [TestCase("registry:5000/team/app:2.1", "registry:5000/team/app", "2.1")]
    [TestCase("app@sha256:abc", "app", "sha256:abc")]
    public void Should_split_image_references_for_pulling(string image, string fromImage, string tag)
    {
        Assert.That(DockerEngine.SplitReference(image), Is.EqualTo((fromImage, tag)));
    }
}
