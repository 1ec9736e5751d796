using System.Web;
using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>
/// Locks in the build call's query string (legacy builder only, args and labels as JSON, cleanup
/// of intermediate containers on by default) and how progress lines are read.
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

    private static System.Collections.Specialized.NameValueCollection Query(ImageBuildRequest request) =>
        HttpUtility.ParseQueryString(DockerImageBuild.Query(request));

    [Test]
    public void Should_carry_tag_dockerfile_args_and_labels_and_remove_intermediate_containers()
    {
        var query = Query(Request());

        Assert.Multiple(() =>
        {
            Assert.That(query["t"], Is.EqualTo("narwhal/cache:3f2a"));
            Assert.That(query["dockerfile"], Is.EqualTo("ci/build.Dockerfile"));
            Assert.That(query["buildargs"], Is.EqualTo("""{"VERSION":"1.2 \u0026 more"}"""));
            Assert.That(query["labels"], Is.EqualTo("""{"narwhal.instance":"ci"}"""));
            Assert.That(query["rm"], Is.EqualTo("1"));
            Assert.That(query["forcerm"], Is.EqualTo("1"));
            Assert.That(query.AllKeys, Has.None.EqualTo("pull"));
        });
    }

    [Test]
    public void Should_never_ask_for_buildkit()
    {
        Assert.That(Query(Request(request => request with { Pull = true })).AllKeys, Has.None.EqualTo("version"));
    }

    [Test]
    public void Should_pull_and_keep_intermediate_containers_only_when_asked()
    {
        var query = Query(Request(request => request with { Pull = true, Rm = false, ForceRm = false }));

        Assert.Multiple(() =>
        {
            Assert.That(query["pull"], Is.EqualTo("1"));
            Assert.That(query["rm"], Is.EqualTo("0"));
            Assert.That(query["forcerm"], Is.EqualTo("0"));
        });
    }

    [Test]
    public void Should_reject_a_request_without_a_tag()
    {
        Assert.Throws<ArgumentException>(() => DockerImageBuild.Query(Request(request => request with { Tag = " " })));
    }

    [TestCase("""{"stream":"Step 1/2 : FROM local/busybox:1"}""", "Step 1/2 : FROM local/busybox:1", null, null)]
    [TestCase("""{"aux":{"ID":"sha256:6e7f"}}""", null, "sha256:6e7f", null)]
    [TestCase("""{"errorDetail":{"code":7,"message":"returned a non-zero code: 7"},"error":"returned a non-zero code: 7"}""", null, null, "returned a non-zero code: 7")]
    [TestCase("""{"errorDetail":{"message":"only the detail"}}""", null, null, "only the detail")]
    [TestCase("""{"status":"Pulling fs layer","id":"abc"}""", null, null, null)]
    [TestCase("not json", null, null, null)]
    [TestCase("[1]", null, null, null)]
    [TestCase("", null, null, null)]
    public void Should_read_output_image_id_and_errors_from_progress_lines(string line, string? output, string? imageId, string? error)
    {
        Assert.That(DockerImageBuild.Parse(line), Is.EqualTo(new DockerImageBuild.Progress(output, imageId, error)));
    }
}
