using System.Text.Json;
using Docker.DotNet.Models;
using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>
/// Locks in the build call's parameters (legacy builder only, args and labels, cleanup
/// of intermediate containers on by default) and how progress messages are read.
/// </summary>
[TestFixture]
public sealed class When_mapping_an_image_build
{
    private static ImageBuildRequest Request(Func<ImageBuildRequest, ImageBuildRequest>? change = null)
    {
        var request = new ImageBuildRequest
        {
            ContextTar = Stream.Null,
            Dockerfile = "ci/build.Dockerfile",
            Tag = "narwhal/cache:3f2a",
            BuildArgs = new Dictionary<string, string> { ["VERSION"] = "1.2 & more" },
            Labels = new Dictionary<string, string> { ["narwhal.instance"] = "ci" },
        };
        return change is null ? request : change(request);
    }

    private static ImageBuildParameters Parameters(ImageBuildRequest request) => DockerImageBuild.Parameters(request);

    [Test]
    public void Should_carry_tag_dockerfile_args_and_labels_and_remove_intermediate_containers()
    {
        var parameters = Parameters(Request());

        Assert.Multiple(() =>
        {
            Assert.That(parameters.Tags, Is.EqualTo(new[] { "narwhal/cache:3f2a" }));
            Assert.That(parameters.Dockerfile, Is.EqualTo("ci/build.Dockerfile"));
            Assert.That(parameters.BuildArgs, Is.EqualTo(new Dictionary<string, string> { ["VERSION"] = "1.2 & more" }));
            Assert.That(parameters.Labels, Is.EqualTo(new Dictionary<string, string> { ["narwhal.instance"] = "ci" }));
            Assert.That(parameters.Remove, Is.True);
            Assert.That(parameters.ForceRemove, Is.True);
            Assert.That(parameters.Pull, Is.Null);
        });
    }

    [Test]
    public void Should_never_ask_for_buildkit()
    {
        Assert.That(Parameters(Request(request => request with { Pull = true })).Version, Is.Null);
    }

    [Test]
    public void Should_pull_and_keep_intermediate_containers_only_when_asked()
    {
        var parameters = Parameters(Request(request => request with { Pull = true, Rm = false, ForceRm = false }));

        Assert.Multiple(() =>
        {
            Assert.That(parameters.Pull, Is.EqualTo("1"));
            Assert.That(parameters.Remove, Is.False);
            Assert.That(parameters.ForceRemove, Is.False);
        });
    }

    [Test]
    public void Should_reject_a_request_without_a_tag()
    {
        Assert.Throws<ArgumentException>(() => DockerImageBuild.Parameters(Request(request => request with { Tag = " " })));
    }

    [TestCase("""{"stream":"Step 1/2 : FROM local/busybox:1"}""", "Step 1/2 : FROM local/busybox:1", null, null)]
    [TestCase("""{"aux":{"ID":"sha256:6e7f"}}""", null, "sha256:6e7f", null)]
    [TestCase("""{"errorDetail":{"code":7,"message":"returned a non-zero code: 7"},"error":"returned a non-zero code: 7"}""", null, null, "returned a non-zero code: 7")]
    [TestCase("""{"errorDetail":{"message":"only the detail"}}""", null, null, "only the detail")]
    [TestCase("""{"status":"Pulling fs layer","id":"abc"}""", null, null, null)]
    public void Should_read_output_image_id_and_errors_from_progress_messages(string json, string? output, string? imageId, string? error)
    {
        var message = JsonSerializer.Deserialize<JSONMessage>(json)!;
        Assert.That(DockerImageBuild.Read(message), Is.EqualTo(new DockerImageBuild.Progress(output, imageId, error)));
    }
}
