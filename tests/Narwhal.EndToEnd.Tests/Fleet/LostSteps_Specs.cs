using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Narwhal.Core.Fleet;
using Narwhal.Core.Persistence;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests.Fleet;

/// <summary>
/// A Runner process killed with SIGKILL during a pipeline's step: the step is lost (its dependents skipped, the run
/// lost) or — with <c>retry: { onLost }</c> on that step — run once more elsewhere, and the rest of the pipeline
/// completes exactly once.
/// </summary>
[TestFixture]
public sealed class LostSteps_Specs : StackFixture
{
    private readonly Stack<IAsyncDisposable> _processes = new();
    private readonly List<WebApplication> _inProcessRunners = [];

    [OneTimeSetUp]
    public async Task Start() => await Stack.StartDispatcherAsync(FleetTesting.DispatcherSettings());

    [TearDown]
    public async Task StopRunners()
    {
        while (_processes.TryPop(out var process)) await process.DisposeAsync();
        foreach (var runner in _inProcessRunners) await Stack.StopAsync(runner);
        _inProcessRunners.Clear();
    }

    [OneTimeTearDown]
    public async Task Stop() => await FleetTesting.RemoveContainersAsync(Stack);

    private async Task<RunnerProcess> StartRunnerProcessAsync(string runnerId)
    {
        var process = await FleetTesting.StartRunnerProcessAsync(Stack, runnerId);
        _processes.Push(process);
        await UntilOnlineAsync(runnerId);
        return process;
    }

    private Task UntilOnlineAsync(string runnerId) =>
        Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, runnerId), r => r?.State == RunnerState.Online, $"{runnerId} to be online");

    private async Task<string> TriggerPipelineAsync(string job, int? onLost)
    {
        var body = new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage,
            steps = new Dictionary<string, object>
            {
                ["deploy"] = onLost is { } n
                    ? new { script = new[] { "echo deploy attempt $NARWHAL_ATTEMPT", "sleep 8" }, retry = new { onLost = n } }
                    : new { script = new[] { "echo deploy attempt $NARWHAL_ATTEMPT", "sleep 8" } },
                ["verify"] = new { needs = new[] { "deploy" }, script = new[] { "echo verified" } },
            },
        };
        (await Client.PutAsJsonAsync($"/jobs/{job}", body, Json.Options)).EnsureSuccessStatusCode();
        return (await Client.TriggerAsync(job)).Str("id");
    }

    /// <summary>Until the step runs on the Runner with its container up; the step's row id.</summary>
    private async Task<string> UntilStepRunsAsync(string runId, string key, string runnerId)
    {
        var run = await Eventually.UntilAsync(() => Client.GetJsonAsync($"/runs/{runId}"),
            r => r.TryGetProperty("steps", out var steps) && steps.EnumerateArray().Any(s => s.Str("key") == key
                && s.Str("status") == "running" && s.TryGetProperty("runnerId", out var id) && id.GetString() == runnerId),
            $"step {key} of run {runId} to run on {runnerId}", TimeSpan.FromSeconds(90));
        var stepId = run.GetProperty("steps").EnumerateArray().Single(s => s.Str("key") == key).Str("id");
        await Eventually.UntilAsync(() => FleetTesting.ContainersAsync(Stack, RunLabels.RunId, stepId),
            list => list.Any(c => c.State == "running"), $"the container of step {key} to run", TimeSpan.FromSeconds(150));
        return stepId;
    }

    private static JsonElement Step(JsonElement run, string key) => run.GetProperty("steps").EnumerateArray().Single(s => s.Str("key") == key);

    [Test]
    public async Task When_a_runner_dies_during_a_step_that_does_not_retry_Should_end_it_lost_skip_its_dependents_and_end_the_run_lost()
    {
        var runner = await StartRunnerProcessAsync("step-doomed");
        var runId = await TriggerPipelineAsync("lost-step", onLost: null);
        await UntilStepRunsAsync(runId, "deploy", "step-doomed");

        await runner.KillAsync();

        var run = await Client.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(60));
        Assert.That(run.Str("status"), Is.EqualTo("lost"), run.ToString());
        Assert.That(Step(run, "deploy").Str("status"), Is.EqualTo("lost"));
        Assert.That(Step(run, "deploy").Str("statusReason"), Does.Contain("step-doomed"));
        Assert.That(Step(run, "verify").Str("status"), Is.EqualTo("skipped"));
    }

    [Test]
    public async Task When_a_runner_dies_during_a_step_that_retries_on_loss_Should_run_it_once_more_elsewhere_and_finish_the_pipeline_once()
    {
        var first = await StartRunnerProcessAsync("step-first");
        var runId = await TriggerPipelineAsync("retried-step", onLost: 1);
        var deployId = await UntilStepRunsAsync(runId, "deploy", "step-first");

        await first.KillAsync();
        _inProcessRunners.Add(await Stack.StartRunnerAsync("step-second", FleetTesting.RunnerSettings(Stack)));
        await UntilOnlineAsync("step-second");

        var run = await Client.WaitForRunEndAsync(runId, TimeSpan.FromSeconds(120));
        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), run.ToString());
        var deploy = Step(run, "deploy");
        Assert.That(deploy.Str("id"), Is.EqualTo(deployId), "a retry on loss is a new attempt of the same step row");
        Assert.That(deploy.Str("runnerId"), Is.EqualTo("step-second"));
        Assert.That(await Stack.Database.ScalarAsync<int>("SELECT attempt FROM runs WHERE id = @id", new { id = Guid.Parse(deployId) }), Is.EqualTo(2));
        Assert.That(Step(run, "verify").Str("status"), Is.EqualTo("succeeded"));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM runs WHERE parent_run_id = @id", new { id = Guid.Parse(runId) }),
            Is.EqualTo(2), "no step row added: verify ran once");
        Assert.That(await Stack.Database.ScalarAsync<long>(
                "SELECT count(*) FROM outbox o JOIN runs r ON r.id = o.run_id WHERE r.parent_run_id = @id", new { id = Guid.Parse(runId) }),
            Is.EqualTo(3), "deploy's release, its one retry, verify's release");
    }
}
