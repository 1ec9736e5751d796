using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Runner.Docker;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>
/// Base of the tests against the real engine (NARWHAL_DOCKER_HOST). Each test gets its own
/// instance label; every container, network and image it creates carries it, and the tear-down
/// fails the test if any such object is left (after removing it, so one leak does not spill into other runs).
/// </summary>
public abstract class DockerEngineTestBase
{
    protected const string InstanceLabel = "narwhal.instance";

    private CancellationTokenSource _deadline = null!;
    private int _containers;
    private int _networks;
    private int _images;

    protected DockerEngine Engine { get; private set; } = null!;

    protected string Instance { get; private set; } = null!;

    /// <summary>The labels every container of the current test carries.</summary>
    protected IReadOnlyDictionary<string, string> TestLabels => new Dictionary<string, string> { [InstanceLabel] = Instance };

    /// <summary>Bounds each test: a hung engine call fails the test instead of the whole run.</summary>
    protected CancellationToken Deadline => _deadline.Token;

    [OneTimeSetUp]
    public async Task RequireTheTestImage()
    {
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        Assert.That(await engine.ImageExistsAsync(TestEnvironment.BusyboxImage, CancellationToken.None), Is.True,
            $"Image {TestEnvironment.BusyboxImage} is missing: run scripts/images.sh first.");
    }

    [SetUp]
    public void CreateEngine()
    {
        _deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        Instance = TestEnvironment.NewInstanceName();
    }

    [TearDown]
    public async Task AssertNothingIsLeft()
    {
        try
        {
            // Containers first: networks and images they use cannot go before them.
            var containers = await Engine.ListContainersAsync(TestLabels, CancellationToken.None);
            foreach (var container in containers)
                await Engine.RemoveAsync(container.Id, CancellationToken.None);
            var networks = await Engine.ListNetworksAsync(TestLabels, CancellationToken.None);
            foreach (var network in networks)
                await Engine.RemoveNetworkAsync(network.Id, CancellationToken.None);
            var images = await Engine.ListImagesAsync(TestLabels, CancellationToken.None);
            foreach (var image in images)
                foreach (var reference in image.RepoTags.DefaultIfEmpty(image.Id))
                    await Engine.RemoveImageAsync(reference, CancellationToken.None);

            Assert.Multiple(() =>
            {
                Assert.That(containers.Select(container => container.Names.FirstOrDefault() ?? container.Id), Is.Empty,
                    "containers the test left behind");
                Assert.That(networks.Select(network => network.Name), Is.Empty, "networks the test left behind");
                Assert.That(images.Select(image => image.RepoTags.FirstOrDefault() ?? image.Id), Is.Empty, "images the test left behind");
            });
        }
        finally
        {
            await Engine.DisposeAsync();
            _deadline.Dispose();
        }
    }

    /// <summary>A busybox shell container labelled for this test (plus <paramref name="extraLabels"/>).</summary>
    protected ContainerSpec Shell(string script, IReadOnlyDictionary<string, string>? extraLabels = null)
    {
        var labels = new Dictionary<string, string>(TestLabels);
        foreach (var (key, value) in extraLabels ?? new Dictionary<string, string>()) labels[key] = value;
        return ContainerSpecs.Shell($"{Instance}-{++_containers}", TestEnvironment.BusyboxImage, script, labels);
    }

    /// <summary>A network name of this test, unique on the engine.</summary>
    protected string NetworkName() => $"{Instance}-net{++_networks}";

    /// <summary>An image tag of this test, unique on the engine (repository names are lowercase).</summary>
    protected string ImageTag() => $"narwhal-test/{Instance}-{++_images}:1";

    /// <summary>The whole lifecycle: create, start, follow the logs, wait, remove.</summary>
    protected async Task<(FrameRecorder Output, long ExitCode)> RunAsync(ContainerSpec spec)
    {
        var output = new FrameRecorder();
        var id = await Engine.CreateContainerAsync(spec, Deadline);
        try
        {
            await Engine.StartContainerAsync(id, Deadline);
            await Engine.StreamLogsAsync(id, output.OnOutput, Deadline);
            return (output, await Engine.WaitAsync(id, Deadline));
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }
}
