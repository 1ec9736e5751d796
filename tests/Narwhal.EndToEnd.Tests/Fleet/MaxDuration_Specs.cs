using Microsoft.AspNetCore.Builder;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests.Fleet;

/// <summary>
/// The Dispatcher's safety net behind the Runner's own timeout: a run still running past the global
/// maximum duration (plus the offline timeout for its Runner to act) ends timed_out, and its Runner
/// is told to stop it.
/// </summary>
[TestFixture]
public sealed class MaxDuration_Specs : StackFixture
{
    private WebApplication? _runner;

    [OneTimeSetUp]
    public async Task Start()
    {
        // The Dispatcher's maximum is 2 s; the Runner (below) was configured with a far longer one and does not stop the run itself.
        await Stack.StartDispatcherAsync(FleetTesting.DispatcherSettings(new Dictionary<string, string?> { ["NARWHAL_MAX_JOB_DURATION"] = "2" }));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_runner is not null) await Stack.StopAsync(_runner);
        await FleetTesting.RemoveContainersAsync(Stack);
    }

    [Test]
    public async Task When_a_run_outlives_the_global_maximum_Should_be_ended_timed_out_by_the_dispatcher_and_stopped()
    {
        _runner = await Stack.StartRunnerAsync("lenient", FleetTesting.RunnerSettings(Stack,
            new Dictionary<string, string?> { ["NARWHAL_MAX_JOB_DURATION"] = "600" }));
        await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, "lenient"), r => r is not null, "the Runner's heartbeats");
        await Client.PutFreestyleJobAsync("endless", TestEnvironment.BusyboxImage, "echo started", "sleep 120");
        var run = await Client.TriggerAsync("endless");
        await ContainerWait.UntilRunningAsync(run.Str("id"));

        var ended = await Client.WaitForRunEndAsync(run.Str("id"), TimeSpan.FromSeconds(60));

        Assert.That(ended.Str("status"), Is.EqualTo("timed_out"));
        Assert.That(ended.Str("statusReason"), Does.Contain("maximum of 2 s").And.Contain("ended by the Dispatcher").And.Contain("lenient"));
        await Eventually.UntilAsync(() => FleetTesting.ContainersAsync(Stack, RunLabels.RunId, run.Str("id")), list => list.Count == 0,
            "the Runner to stop and remove the run's container");
        Assert.That((await Client.GetJsonAsync($"/runs/{run.Str("id")}")).Str("status"), Is.EqualTo("timed_out"),
            "the Runner's own report of the stopped attempt was refused");
    }
}
