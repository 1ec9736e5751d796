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
/// build → approve (a <c>block</c> step) → deploy, on one Runner with one slot and a Dispatcher: while the gate waits
/// the run is waiting, no container of the gate exists and the Runner takes another run; an approval's field reaches
/// deploy as a variable; a rejection skips deploy; a token outside the approvers gets 403; a gate past its timeout
/// ends timed_out.
/// </summary>
[TestFixture]
public sealed class PipelineApproval_Specs : StackFixture
{
    private const string RunnerId = "approval-runner";
    private string _root = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-e2e-approval-").FullName;
        var repo = UpstreamRepository.Create(_root, "gated");
        repo.Commit("pipeline", (".narwhal.yml", $$"""
            image: {{TestEnvironment.BusyboxImage}}
            steps:
              build:
                script: echo "built"
              approve:
                needs: [build]
                block: "Deploy to production?"
                fields:
                  VERSION: { description: "The version to deploy", required: true }
                  TARGET: { options: [eu, us], default: eu }
              deploy:
                needs: [approve]
                script: echo "deploying $VERSION to $TARGET"
            """));
        var timed = UpstreamRepository.Create(_root, "timed");
        timed.Commit("pipeline", (".narwhal.yml", $$"""
            image: {{TestEnvironment.BusyboxImage}}
            steps:
              approve:
                block: "Ship it?"
                timeout: 2s
              deploy:
                needs: [approve]
                script: echo "deploying"
            """));
        var runner = Fleet.FleetTesting.RunnerSettings(Stack);
        runner["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true";
        await Stack.StartRunnerAsync(RunnerId, runner);
        await Stack.StartDispatcherAsync(new Dictionary<string, string?> { ["NARWHAL_FLEET_CHECK_SECONDS"] = "1" });
        (await Client.PutAsJsonAsync("/jobs/gated", new { type = "git", git = new { url = repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
        (await Client.PutAsJsonAsync("/jobs/timed", new { type = "git", git = new { url = timed.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
        (await Client.PutFreestyleJobAsync("meanwhile", TestEnvironment.BusyboxImage, "echo meanwhile")).EnsureSuccessStatusCode();
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Test]
    public async Task When_approved_with_a_field_Should_hold_no_slot_while_waiting_and_pass_the_field_to_deploy()
    {
        var runId = (await Client.TriggerAsync("gated")).Str("id");
        var waiting = await WaitingForApprovalAsync(runId);
        var gate = ByKey(waiting)["approve"];
        Assert.That(gate.Str("status"), Is.EqualTo("waiting"));
        Assert.That(gate.TryGetProperty("runnerId", out _), Is.False, "no Runner holds the gate");
        Assert.That(gate.GetProperty("block").GetProperty("prompt").GetString(), Is.EqualTo("Deploy to production?"));
        Assert.That(waiting.Str("statusReason"), Is.EqualTo("Waiting for approval of step 'approve'."));
        Assert.That(await ContainersOfAsync(gate.Str("id")), Is.Zero, "a gate has no container");

        // The Runner's one slot is free: it takes another run while the gate waits.
        var other = await Client.WaitForRunEndAsync((await Client.TriggerAsync("meanwhile")).Str("id"));
        Assert.That((other.Str("status"), other.Str("runnerId")), Is.EqualTo(("succeeded", RunnerId)));
        Assert.That((await Client.GetJsonAsync($"/runs/{runId}")).Str("status"), Is.EqualTo("waiting"), "still waiting meanwhile");

        using var approve = await Client.PostAsJsonAsync($"/runs/{runId}/steps/approve/approve", Fields(("VERSION", "1.2.3")));
        Assert.That(approve.StatusCode, Is.EqualTo(HttpStatusCode.OK), await approve.Content.ReadAsStringAsync());

        var run = await Client.WaitForRunEndAsync(runId);
        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), run.ToString());
        Assert.That(await ConsoleAsync(Client, runId, "deploy"), Does.Contain("deploying 1.2.3 to eu"));
        var decision = ByKey(run)["approve"].GetProperty("block").GetProperty("decision");
        Assert.That((decision.Str("decision"), decision.Str("by")), Is.EqualTo(("approved", "bootstrap-admin")));
        Assert.That(decision.GetProperty("fields").GetProperty("TARGET").GetString(), Is.EqualTo("eu"), "the default is recorded");
    }

    [Test]
    public async Task When_rejected_Should_skip_deploy_and_fail_the_run()
    {
        var runId = (await Client.TriggerAsync("gated")).Str("id");
        await WaitingForApprovalAsync(runId);

        using var reject = await Client.PostAsync($"/runs/{runId}/steps/approve/reject", null);
        Assert.That(reject.StatusCode, Is.EqualTo(HttpStatusCode.OK), await reject.Content.ReadAsStringAsync());
        using var again = await Client.PostAsync($"/runs/{runId}/steps/approve/reject", null);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));

        var run = await Client.WaitForRunEndAsync(runId);
        Assert.That(run.Str("status"), Is.EqualTo("failed"));
        Assert.That(Status(run, "deploy"), Is.EqualTo("skipped"));
        Assert.That(ByKey(run)["approve"].Str("statusReason"), Does.StartWith("Rejected by "));
    }

    [Test]
    public async Task When_a_token_outside_the_approvers_decides_Should_answer_403_naming_who_may()
    {
        var runId = (await Client.TriggerAsync("gated")).Str("id");
        await WaitingForApprovalAsync(runId);
        using var created = await Client.PostAsJsonAsync("/tokens", new { name = "ci-bot", scopes = new[] { "trigger" } });
        var secret = (await created.Content.ReadFromJsonAsync<JsonElement>()).Str("secret");
        using var bot = Stack.Client(secret);

        using var refused = await bot.PostAsJsonAsync($"/runs/{runId}/steps/approve/approve", Fields(("VERSION", "9")));

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("tokens with scope admin"));
        using var unknown = await Client.PostAsJsonAsync($"/runs/{runId}/steps/approve/approve", Fields(("VERSION", "1"), ("COLOUR", "red")));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await unknown.Content.ReadAsStringAsync(), Does.Contain("fields.COLOUR"));
        (await Client.PostAsync($"/runs/{runId}/abort", null)).Dispose();
        Assert.That(Status(await Client.WaitForRunEndAsync(runId), "approve"), Is.EqualTo("skipped"), "an abort skips a waiting gate");
    }

    [Test]
    public async Task When_nobody_decides_within_the_timeout_Should_end_the_gate_timed_out()
    {
        var run = await Client.WaitForRunEndAsync((await Client.TriggerAsync("timed")).Str("id"));

        Assert.That(run.Str("status"), Is.EqualTo("timed_out"), run.ToString());
        Assert.That(Status(run, "approve"), Is.EqualTo("timed_out"));
        Assert.That(Status(run, "deploy"), Is.EqualTo("skipped"));
        Assert.That(ByKey(run)["approve"].GetProperty("block").GetProperty("decision").Str("by"), Is.EqualTo("timeout"));
    }

    /// <summary>An approval's body; a dictionary, so that the field names are sent as written.</summary>
    private static object Fields(params (string Name, string Value)[] fields) =>
        new { fields = fields.ToDictionary(f => f.Name, f => f.Value) };

    private Task<JsonElement> WaitingForApprovalAsync(string runId) =>
        Eventually.UntilAsync(() => Client.GetJsonAsync($"/runs/{runId}"), run => run.Str("status") == "waiting",
            $"run {runId} to wait for approval");

    private static async Task<int> ContainersOfAsync(string runId)
    {
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        return (await engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.RunId] = runId }, CancellationToken.None)).Count;
    }
}
