using System.Diagnostics;
using System.Net;
using System.Text;
using Narwhal.Runner.Docker;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>
/// Images built from a tar context with the legacy builder: args, labels and tag land on the image,
/// the same build twice works, a failing step or a broken Dockerfile is a failed result (not an
/// exception), and removing an image is safe to repeat.
/// </summary>
[TestFixture]
public sealed class When_an_image_is_built : DockerEngineTestBase
{
    private static readonly string Dockerfile = $"""
        FROM {TestEnvironment.BusyboxImage}
        ARG GREETING=none
        LABEL org.narwhal.test.greeting=$GREETING
        COPY hello.txt /hello.txt
        RUN echo built > /built.txt && echo "greeting is $GREETING"
        """;

    [Test]
    public async Task Should_build_from_a_tar_context_with_its_args_labels_and_tag()
    {
        var tag = ImageTag();

        var clock = Stopwatch.StartNew();
        var (result, output) = await BuildAsync(Request(tag, Dockerfile, "ci/Dockerfile", ("hello.txt", "hello\n")));
        TestContext.Out.WriteLine($"build of a trivial image: {clock.ElapsedMilliseconds} ms\n{output}");

        Assert.That(result.Success, Is.True, result.Error);
        Assert.That(result.ImageId, Does.StartWith("sha256:"));
        Assert.That(result.Error, Is.Null);
        Assert.That(output, Does.Contain("Step 1/").And.Contain("greeting is hi"));

        var images = await Engine.ListImagesAsync(TestLabels, Deadline);
        Assert.That(images, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(images[0].Id, Is.EqualTo(result.ImageId));
            Assert.That(images[0].RepoTags, Is.EqualTo(new[] { tag }));
            Assert.That(images[0].Labels[InstanceLabel], Is.EqualTo(Instance));
            Assert.That(images[0].Labels["org.narwhal.test.greeting"], Is.EqualTo("hi"));
            Assert.That(images[0].Size, Is.GreaterThan(0));
            Assert.That(images[0].Created, Is.GreaterThan(DateTimeOffset.UtcNow.AddMinutes(-5)));
        });

        var (run, exitCode) = await RunAsync(Shell("cat /built.txt /hello.txt") with { Image = tag });
        Assert.That(exitCode, Is.Zero);
        Assert.That(string.Concat(run.Texts.Select(frame => frame.Text)), Is.EqualTo("built\nhello\n"));

        await Engine.RemoveImageAsync(tag, Deadline);
        Assert.That(await Engine.ImageExistsAsync(tag, Deadline), Is.False);
    }

    [Test]
    public async Task Should_build_the_same_context_twice_under_the_same_tag()
    {
        var tag = ImageTag();

        var (first, _) = await BuildAsync(Request(tag, Dockerfile, files: ("hello.txt", "hello\n")));
        var clock = Stopwatch.StartNew();
        var (second, output) = await BuildAsync(Request(tag, Dockerfile, files: ("hello.txt", "hello\n")));
        TestContext.Out.WriteLine($"second identical build: {clock.ElapsedMilliseconds} ms");

        Assert.That(first.Success, Is.True, first.Error);
        Assert.That(second.Success, Is.True, second.Error);
        Assert.That(second.ImageId, Is.EqualTo(first.ImageId), "the legacy builder's cache gives the same image");
        Assert.That(output, Does.Contain("Using cache"));
        Assert.That((await Engine.ListImagesAsync(TestLabels, Deadline)).Select(image => image.Id), Is.EqualTo(new[] { first.ImageId }));
        await Engine.RemoveImageAsync(tag, Deadline);
    }

    [Test]
    public async Task Should_report_a_failing_step_as_a_failed_build_with_the_message()
    {
        var tag = ImageTag();

        var (result, output) = await BuildAsync(Request(tag, $"FROM {TestEnvironment.BusyboxImage}\nRUN echo about to fail && exit 7\n"));

        Assert.That(result.Success, Is.False);
        Assert.That(result.ImageId, Is.Null);
        Assert.That(result.Error, Does.Contain("returned a non-zero code: 7"));
        Assert.That(output, Does.Contain("about to fail"));
        Assert.That(await Engine.ImageExistsAsync(tag, Deadline), Is.False);
    }

    // (A missing base image fails the same way, as an error line of the stream, but makes the engine
    // try the public registry: not done here, tests talk only to loopback and their own containers.)
    [TestCase("FROMM nothing\n", "unknown instruction")]
    [TestCase("FROM scratch\n", "Cannot locate specified Dockerfile")]
    public async Task Should_report_an_unparseable_or_missing_dockerfile_as_a_failed_build(string dockerfile, string message)
    {
        var tag = ImageTag();
        var request = message.StartsWith("Cannot locate", StringComparison.Ordinal)
            ? Request(tag, dockerfile) with { Dockerfile = "elsewhere/Dockerfile" }
            : Request(tag, dockerfile);

        var (result, _) = await BuildAsync(request);

        TestContext.Out.WriteLine(result.Error);
        Assert.That(result.Success, Is.False);
        Assert.That(result.Error, Does.Contain(message));
        Assert.That(await Engine.ImageExistsAsync(tag, Deadline), Is.False);
    }

    [Test]
    public async Task Should_remove_an_image_twice_but_not_while_a_container_uses_it()
    {
        var tag = ImageTag();
        var (result, _) = await BuildAsync(Request(tag, Dockerfile, files: ("hello.txt", "hello\n")));
        Assert.That(result.Success, Is.True, result.Error);
        var container = await Engine.CreateContainerAsync(Shell("true") with { Image = tag }, Deadline);
        try
        {
            var error = Assert.ThrowsAsync<DockerEngineException>(() => Engine.RemoveImageAsync(tag, Deadline));
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        }
        finally
        {
            await Engine.RemoveAsync(container, CancellationToken.None);
        }

        await Engine.RemoveImageAsync(tag, Deadline);
        await Engine.RemoveImageAsync(tag, Deadline);

        Assert.That(await Engine.ListImagesAsync(TestLabels, Deadline), Is.Empty);
    }

    private ImageBuildRequest Request(string tag, string dockerfile, string path = "Dockerfile", params (string Name, string Text)[] files) => new()
    {
        ContextTar = TarBuilder.BuildContext(dockerfile, path, files),
        Dockerfile = path,
        Tag = tag,
        BuildArgs = new Dictionary<string, string> { ["GREETING"] = "hi" },
        Labels = TestLabels,
    };

    private async Task<(ImageBuildResult Result, string Output)> BuildAsync(ImageBuildRequest request)
    {
        var output = new StringBuilder();
        await using var context = request.ContextTar;
        var result = await Engine.BuildImageAsync(request, (text, _) =>
        {
            output.Append(text);
            return ValueTask.CompletedTask;
        }, Deadline);
        return (result, output.ToString());
    }
}
