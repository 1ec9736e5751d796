using Narwhal.Runner.Docker;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>A missing image is the job's problem: it surfaces as ImageUnavailableException naming the image, and nothing is created.</summary>
[TestFixture]
public sealed class When_the_image_is_missing : DockerEngineTestBase
{
    private const string MissingImage = "local/does-not-exist:1";

    [Test]
    public async Task Should_report_it_absent_and_the_test_image_present()
    {
        Assert.That(await Engine.ImageExistsAsync(MissingImage, Deadline), Is.False);
        Assert.That(await Engine.ImageExistsAsync(TestEnvironment.BusyboxImage, Deadline), Is.True);
    }

    [Test]
    public void Should_throw_image_unavailable_from_ensure_image_naming_the_image()
    {
        var error = Assert.ThrowsAsync<ImageUnavailableException>(() => Engine.EnsureImageAsync(MissingImage, Deadline));

        Assert.That(error!.Image, Is.EqualTo(MissingImage));
        Assert.That(error.Message, Does.Contain(MissingImage));
        Assert.That(error.Reason, Is.Not.Empty);
    }

    [Test]
    public async Task Should_accept_ensure_image_when_the_image_is_local()
    {
        await Engine.EnsureImageAsync(TestEnvironment.BusyboxImage, Deadline);
    }

    [Test]
    public async Task Should_throw_image_unavailable_from_create_and_create_nothing()
    {
        var spec = Shell("true") with { Image = MissingImage };

        var error = Assert.ThrowsAsync<ImageUnavailableException>(() => Engine.CreateContainerAsync(spec, Deadline));

        Assert.That(error!.Image, Is.EqualTo(MissingImage));
        Assert.That(await Engine.ListContainersAsync(TestLabels, Deadline), Is.Empty);
    }
}
