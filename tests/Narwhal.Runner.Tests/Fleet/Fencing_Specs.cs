using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Fleet.FleetTestExtensions;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>
/// Fencing: a Runner whose attempt was superseded while it ran (cut off, declared lost, retried)
/// stops the job, removes its containers, and none of its writes lands.
/// </summary>
[TestFixture]
public sealed class Fencing_Specs : FleetFixture
{
    [Test]
    public async Task When_the_attempt_is_superseded_mid_run_Should_stop_the_job_remove_its_container_and_write_nothing()
    {
        await Client.PutClassJobAsync("superseded", "small", "echo started", "sleep 300");
        var runner = await Stack.StartRunnerAsync("cut-off", Settings(("NARWHAL_RUNNER_CONTROL_CHECK", "0.5")));
        var run = await Client.TriggerIdAsync("superseded");
        await ContainerWait.UntilRunningAsync(run.ToString());

        // What the Dispatcher's lost-run handling does: the run gets a new current attempt elsewhere.
        var newAttempt = Guid.NewGuid();
        await Stack.Database.ExecuteAsync("UPDATE runs SET attempt_id = @newAttempt, attempt = attempt + 1 WHERE id = @run", new { run, newAttempt });

        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        await Eventually.UntilAsync(
            () => engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.RunId] = run.ToString() }, CancellationToken.None),
            containers => containers.Count == 0, "the superseded run's container to be removed", TimeSpan.FromSeconds(30));
        var supervisor = runner.Services.GetRequiredService<RunSupervisor>();
        await Eventually.UntilAsync(() => Task.FromResult(supervisor.RunningCount == 0), "the Runner to be done with the run");

        var state = await Stack.RunStateAsync(run);
        Assert.Multiple(() =>
        {
            Assert.That(state.Status, Is.EqualTo("running"), "the stale finish write was refused: the run is as the database says");
            Assert.That(state.AttemptId, Is.EqualTo(newAttempt));
            Assert.That(state.FinishedAt, Is.Null);
            Assert.That(state.LogKey, Is.Null, "no console log stored over the current attempt's");
        });
        Assert.That(await Stack.Bucket.Store.StatAsync(LogShipper.ConsoleKey(run), CancellationToken.None), Is.Null);
    }
}
