using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Configuration;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Git;
using Narwhal.Runner.JobConfigs;
using Narwhal.Runner.Tests.Docker;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Execution;

/// <summary>
/// Images built from a repository as <c>docker build -f DOCKERFILE CONTEXT</c> run from its root
/// would build them: <c>dockerfile</c> is relative to the repository root, inside the context or
/// outside it, and a change to a Dockerfile outside the context is a new image.
/// </summary>
[TestFixture]
public sealed class ImageProvider_Specs : DockerEngineTestBase
{
    private string _root = null!;
    private UpstreamRepository _repo = null!;
    private GitMirrorCache _git = null!;

    [SetUp]
    public void CreateRepository()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-imageprovider-").FullName;
        _repo = UpstreamRepository.Create(_root, "app");
        _git = new GitMirrorCache(Path.Combine(_root, "cache"), NullLogger<GitMirrorCache>.Instance, allowLocalRepositories: true);
    }

    [TearDown]
    public void RemoveRepository() => Directory.Delete(_root, recursive: true);

    [TestCase("docker/cache.Dockerfile", "docker", TestName = "When_the_Dockerfile_is_named_from_the_root_inside_the_context_Should_build_it")]
    [TestCase("docker/cache.Dockerfile", "./docker/", TestName = "When_the_context_is_written_with_dot_and_slash_Should_build_the_same")]
    [TestCase("ci/cache.Dockerfile", "docker", TestName = "When_the_Dockerfile_lies_outside_the_context_Should_send_it_with_the_context_and_build_it")]
    public async Task Building(string dockerfile, string context)
    {
        var sha = _repo.Commit("c",
            (dockerfile, $"FROM {TestEnvironment.BusyboxImage}\nCOPY hello.txt /hello.txt\n"),
            ($"{context}/hello.txt", "hello from the context\n"));

        var tag = await BuildAsync(sha, $"build: {{ dockerfile: {dockerfile}, context: {context} }}");
        try
        {
            var (run, exitCode) = await RunAsync(Shell("cat /hello.txt") with { Image = tag });
            Assert.That(exitCode, Is.Zero);
            Assert.That(string.Concat(run.Texts.Select(frame => frame.Text)), Is.EqualTo("hello from the context\n"));
        }
        finally
        {
            await Engine.RemoveImageAsync(tag, CancellationToken.None);
        }
    }

    [Test]
    public async Task When_build_names_only_a_context_Should_build_the_Dockerfile_at_the_top_of_the_context()
    {
        var sha = _repo.Commit("c",
            ("Dockerfile", "this root Dockerfile is not the one to build\n"),
            ("docker/Dockerfile", $"FROM {TestEnvironment.BusyboxImage}\nRUN echo from-the-context > /which.txt\n"));

        var tag = await BuildAsync(sha, "build: { context: docker }");
        try
        {
            var (run, _) = await RunAsync(Shell("cat /which.txt") with { Image = tag });
            Assert.That(string.Concat(run.Texts.Select(frame => frame.Text)), Is.EqualTo("from-the-context\n"));
        }
        finally
        {
            await Engine.RemoveImageAsync(tag, CancellationToken.None);
        }
    }

    [Test]
    public async Task When_a_Dockerfile_outside_the_context_changes_Should_build_a_new_image()
    {
        var first = _repo.Commit("one", ("ci/Dockerfile", $"FROM {TestEnvironment.BusyboxImage}\nRUN echo one > /v.txt\n"), ("app/a.txt", "a"));
        var second = _repo.Commit("two", ("ci/Dockerfile", $"FROM {TestEnvironment.BusyboxImage}\nRUN echo two > /v.txt\n"));

        var tags = new[] { await BuildAsync(first, "build: { dockerfile: ci/Dockerfile, context: app }") };
        tags = [.. tags, await BuildAsync(second, "build: { dockerfile: ci/Dockerfile, context: app }")];
        try
        {
            Assert.That(tags[1], Is.Not.EqualTo(tags[0]), "the context is unchanged, the Dockerfile is not");
        }
        finally
        {
            foreach (var tag in tags.Distinct()) await Engine.RemoveImageAsync(tag, CancellationToken.None);
        }
    }

    [Test]
    public async Task When_the_Dockerfile_outside_the_context_is_missing_Should_refuse_the_run_saying_paths_start_at_the_root()
    {
        var sha = _repo.Commit("c", ("docker/Dockerfile", $"FROM {TestEnvironment.BusyboxImage}\n"));

        var error = Assert.ThrowsAsync<RunRefusedException>(() => BuildAsync(sha, "build: { dockerfile: Dockerfile, context: docker }"))!;

        Assert.That(error.Message, Does.Contain("'Dockerfile' does not exist").And.Contain("relative to the repository root"));
    }

    private async Task<string> BuildAsync(string sha, string buildLine)
    {
        await _git.FetchAsync(_repo.FileUrl, "main", null, null, Deadline);
        var build = JobConfigParser.Parse($"{buildLine}\nscript: [make]\n", ".narwhal.yml").Build!;
        var provider = new ImageProvider(Engine, _git, new InstanceSettings(Instance), NullLogger<ImageProvider>.Instance);
        await using var log = new LogSpool(Path.Combine(_root, "logs"), Guid.NewGuid(), 1 << 20);
        return await provider.ProvideAsync(new ImageSource(null, build), new WorkspaceSource(_repo.FileUrl, sha), log, Deadline);
    }
}
