using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Persistence;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;
using static Narwhal.EndToEnd.Tests.Pipelines.PipelineSteps;

namespace Narwhal.EndToEnd.Tests.Pipelines;

/// <summary>
/// What a failing step does to the rest: dependents skipped, failure and clean-up steps run, allowed failures
/// tolerated, fail fast, abort; and a retry that redoes only what did not succeed.
/// </summary>
[TestFixture]
public sealed class PipelineFailures_Specs : StackFixture
{
    private string _root = null!;
    private string _flakyRun = null!;
    private JsonElement _failed;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-e2e-pipeline-failures-").FullName;
        var repo = UpstreamRepository.Create(_root, "flaky");
        repo.Commit("pipeline", (".narwhal.yml", $$"""
            image: {{TestEnvironment.BusyboxImage}}
            steps:
              flaky:
                script:
                  - echo "attempt $NARWHAL_STEP_ATTEMPT"
                  - test "$NARWHAL_STEP_ATTEMPT" -ge 2 || exit 3
              after-flaky:
                needs: [flaky]
                script: ["echo after"]
              report:
                needs: [flaky]
                when: failure
                script: ["echo reporting the failure"]
              cleanup:
                needs: [after-flaky]
                when: always
                script: ["echo cleaning up"]
              lint:
                allowFailure: true
                script: ["exit 5"]
              docs:
                needs: [lint]
                script: ["echo docs"]
            """));
        var settings = new Dictionary<string, string?> { ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true", ["NARWHAL_RUNNER_CONTROL_CHECK"] = "0.5" };
        await Task.WhenAll(Stack.StartRunnerAsync("failures-runner-1", settings), Stack.StartRunnerAsync("failures-runner-2", settings));
        (await Client.PutAsJsonAsync("/jobs/flaky", new { type = "git", git = new { url = repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
        _flakyRun = (await Client.TriggerAsync("flaky")).Str("id");
        _failed = await Client.WaitForRunEndAsync(_flakyRun);
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Test, Order(1)]
    public void When_a_step_fails_Should_skip_its_dependents_run_failure_and_always_steps_and_fail_with_its_exit_code()
    {
        Assert.That(_failed.Str("status"), Is.EqualTo("failed"), _failed.ToString());
        Assert.That(_failed.GetProperty("exitCode").GetInt32(), Is.EqualTo(3));
        Assert.That(_failed.Str("statusReason"), Does.Contain("flaky"));
        Assert.That(Status(_failed, "flaky"), Is.EqualTo("failed"));
        Assert.That(Status(_failed, "after-flaky"), Is.EqualTo("skipped"));
        Assert.That(ByKey(_failed)["after-flaky"].Str("statusReason"), Does.Contain("flaky"));
        Assert.That(Status(_failed, "report"), Is.EqualTo("succeeded"));
        Assert.That(Status(_failed, "cleanup"), Is.EqualTo("succeeded"));
    }

    [Test, Order(2)]
    public void When_a_step_may_fail_Should_let_its_dependents_run()
    {
        Assert.That(Status(_failed, "lint"), Is.EqualTo("failed"));
        Assert.That(ByKey(_failed)["lint"].GetProperty("allowFailure").GetBoolean(), Is.True);
        Assert.That(Status(_failed, "docs"), Is.EqualTo("succeeded"));
    }

    [Test, Order(3)]
    public async Task When_the_failed_step_is_retried_Should_run_it_and_its_skipped_dependents_again_and_keep_what_succeeded()
    {
        var before = ByKey(_failed);
        var response = await Client.PostAsync($"/runs/{_flakyRun}/steps/flaky/retry", null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());

        var retried = await Client.WaitForRunEndAsync(_flakyRun);
        var after = ByKey(retried);
        Assert.That(retried.Str("status"), Is.EqualTo("succeeded"), retried.ToString());
        Assert.That(after["flaky"].GetProperty("attempt").GetInt32(), Is.EqualTo(2));
        Assert.That(after["flaky"].Str("status"), Is.EqualTo("succeeded"));
        Assert.That(after["after-flaky"].Str("status"), Is.EqualTo("succeeded"));
        // Succeeded before: the same rows, not run again.
        foreach (var kept in new[] { "report", "cleanup", "docs" })
            Assert.That(after[kept].Str("id"), Is.EqualTo(before[kept].Str("id")), kept);
        Assert.That(await ConsoleAsync(Client, _flakyRun, "flaky"), Does.Contain("attempt 2"));
    }

    [Test]
    public async Task When_a_step_is_retried_while_the_run_is_active_or_the_run_is_plain_Should_refuse_with_409()
    {
        await Client.PutFreestyleJobAsync("plain", TestEnvironment.BusyboxImage, "echo plain");
        var plain = await Client.WaitForRunEndAsync((await Client.TriggerAsync("plain")).Str("id"));
        var response = await Client.PostAsync($"/runs/{plain.Str("id")}/steps/main/retry", null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("rerun"));
    }

    [Test]
    public async Task When_fail_fast_is_on_and_a_step_fails_Should_abort_the_running_one_skip_its_dependents_and_still_run_always_steps()
    {
        var job = new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage, failFast = true,
            steps = new Dictionary<string, object>
            {
                ["slow"] = new { script = new[] { "echo slow started", "sleep 120" } },
                ["broken"] = new { script = new[] { "sleep 1", "exit 2" } },
                ["after-slow"] = new { needs = new[] { "slow" }, script = new[] { "echo after" } },
                ["notify"] = new { needs = new[] { "slow" }, when = "always", script = new[] { "echo notified" } },
            },
        };
        (await Client.PutAsJsonAsync("/jobs/fail-fast", job, Json.Options)).EnsureSuccessStatusCode();
        var started = DateTimeOffset.UtcNow;
        var run = await Client.WaitForRunEndAsync((await Client.TriggerAsync("fail-fast")).Str("id"));

        Assert.That(run.Str("status"), Is.EqualTo("failed"), run.ToString());
        Assert.That(run.GetProperty("exitCode").GetInt32(), Is.EqualTo(2));
        Assert.That(Status(run, "broken"), Is.EqualTo("failed"));
        Assert.That(Status(run, "slow"), Is.EqualTo("aborted"));
        Assert.That(Status(run, "after-slow"), Is.EqualTo("skipped"));
        Assert.That(Status(run, "notify"), Is.EqualTo("succeeded"));
        Assert.That(DateTimeOffset.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(100)), "the 120 s step was stopped");
    }

    [Test]
    public async Task When_a_pipeline_is_aborted_midway_Should_end_every_step_and_leave_no_container()
    {
        var job = new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage,
            steps = new Dictionary<string, object>
            {
                ["long"] = new { script = new[] { "sleep 120" } },
                ["next"] = new { needs = new[] { "long" }, script = new[] { "echo never" } },
            },
        };
        (await Client.PutAsJsonAsync("/jobs/aborted-pipeline", job, Json.Options)).EnsureSuccessStatusCode();
        var runId = (await Client.TriggerAsync("aborted-pipeline")).Str("id");
        var running = await Eventually.UntilAsync(() => Client.GetJsonAsync($"/runs/{runId}"),
            r => r.TryGetProperty("steps", out var s) && s.GetArrayLength() == 2 && Status(r, "long") == "running", "step 'long' to run");
        await ContainerWait.UntilRunningAsync(ByKey(running)["long"].Str("id"));

        (await Client.PostAsync($"/runs/{runId}/abort", null)).EnsureSuccessStatusCode();
        var run = await Client.WaitForRunEndAsync(runId);

        Assert.That(run.Str("status"), Is.EqualTo("aborted"));
        Assert.That(Status(run, "long"), Is.EqualTo("aborted"));
        Assert.That(Status(run, "next"), Is.EqualTo("skipped"));
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        await Eventually.UntilAsync(
            () => engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.PipelineRunId] = runId }, CancellationToken.None),
            list => list.Count == 0, "the step's container to be removed");
    }
}
