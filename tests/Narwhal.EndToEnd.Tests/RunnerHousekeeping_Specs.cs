using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Messaging;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>A Runner low on disk takes nothing; a Runner restarted after a crash removes what its earlier life left.</summary>
[TestFixture]
public sealed class RunnerHousekeeping_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        await Client.PutFreestyleJobAsync("any", TestEnvironment.BusyboxImage, "echo ran");
    }

    [TearDown]
    public async Task StopRunners()
    {
        await Stack.StopStartedAsync();
    }

    [Test]
    public async Task When_free_disk_is_below_the_threshold_Should_take_no_run_and_leave_it_in_the_queue()
    {
        // A threshold no disk meets: 1 PB.
        await Stack.StartRunnerAsync("full-disk", new Dictionary<string, string?> { ["NARWHAL_RUNNER_MIN_FREE_DISK_MB"] = "1000000000" });
        var run = await Client.TriggerAsync("any");

        var queue = await Eventually.UntilAsync(async () => await Stack.Vhost.QueueAsync(RunQueues.QueueName("small")),
            q => q is { MessagesReady: 1 }, "the run to wait in the queue");
        Assert.That(queue!.Consumers, Is.EqualTo(0), "the Runner has no consumer while its disk is low");
        Assert.That((await Client.GetJsonAsync($"/runs/{run.Str("id")}")).Str("status"), Is.EqualTo("queued"));

        await Stack.StartRunnerAsync("roomy");
        var done = await Client.WaitForRunEndAsync(run.Str("id"));
        Assert.That(done.Str("runnerId"), Is.EqualTo("roomy"));
    }

    [Test]
    public async Task When_a_runner_restarts_after_a_crash_Should_remove_the_containers_and_networks_its_earlier_life_left()
    {
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        var labels = new Dictionary<string, string> { [RunLabels.Instance] = Stack.Instance, [RunLabels.RunnerId] = "phoenix" };
        var network = await engine.CreateNetworkAsync($"narwhal-{Stack.Instance}-leftover", labels, internalOnly: false, CancellationToken.None);
        await engine.CreateContainerAsync(new ContainerSpec
        {
            Name = $"narwhal-{Stack.Instance}-leftover", Image = TestEnvironment.BusyboxImage, Command = ["sleep", "300"], Labels = labels,
        }, CancellationToken.None);
        var foreign = new Dictionary<string, string> { [RunLabels.Instance] = Stack.Instance, [RunLabels.RunnerId] = "someone-else" };
        var other = await engine.CreateContainerAsync(new ContainerSpec
        {
            Name = $"narwhal-{Stack.Instance}-other", Image = TestEnvironment.BusyboxImage, Command = ["true"], Labels = foreign,
        }, CancellationToken.None);

        try
        {
            await Stack.StartRunnerAsync("phoenix");

            Assert.That(await engine.ListContainersAsync(labels, CancellationToken.None), Is.Empty);
            Assert.That(await engine.ListNetworksAsync(labels, CancellationToken.None), Is.Empty);
            Assert.That(await engine.ListContainersAsync(foreign, CancellationToken.None), Has.Count.EqualTo(1), "another Runner's objects are not touched");
        }
        finally
        {
            await engine.RemoveAsync(other, CancellationToken.None);
            await engine.RemoveNetworkAsync(network, CancellationToken.None);
        }
    }
}
