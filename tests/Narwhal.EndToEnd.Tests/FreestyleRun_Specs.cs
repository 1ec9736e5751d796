using System.Net;
using System.Text.Json;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>
/// The walking skeleton end to end on real services: REST trigger → Postgres → RabbitMQ →
/// Runner → Docker container → S3 log → status and log back over REST.
/// </summary>
[TestFixture]
public sealed class FreestyleRun_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        await Stack.StartRunnerAsync("e2e-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_SLOTS"] = "2" });
    }

    protected override async Task AfterStackStoppedAsync()
    {
        // Nothing the Runner created for this stack is left in Docker.
        using var engine = new DockerEngine(TestEnvironment.DockerHost, Microsoft.Extensions.Logging.Abstractions.NullLogger<DockerEngine>.Instance);
        var left = await engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.Instance] = Stack.Instance }, CancellationToken.None);
        Assert.That(left, Is.Empty, "containers with this test instance's label remain");
    }

    private async Task<(JsonElement Run, string Log)> RunToEndAsync(string job, params string[] script)
    {
        var put = await Client.PutFreestyleJobAsync(job, TestEnvironment.BusyboxImage, script);
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.Created), await put.Content.ReadAsStringAsync());
        var triggered = await Client.TriggerAsync(job);
        var run = await Client.WaitForRunEndAsync(triggered.Str("id"));
        var log = await Client.GetAsync($"/runs/{triggered.Str("id")}/results/console");
        return (run, log.IsSuccessStatusCode ? await log.Content.ReadAsStringAsync() : $"<{(int)log.StatusCode}> {await log.Content.ReadAsStringAsync()}");
    }

    [Test]
    public async Task When_an_echo_job_runs_Should_succeed_with_its_output_in_the_log()
    {
        var (run, log) = await RunToEndAsync("echo", "echo hello from narwhal", "echo \"run $NARWHAL_RUN_NUMBER of $NARWHAL_JOB, CI=$CI\"", "echo to-stderr >&2");

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(run.GetProperty("exitCode").GetInt32(), Is.EqualTo(0));
        Assert.That(run.GetProperty("attempt").GetInt32(), Is.EqualTo(1));
        Assert.That(run.Str("runnerId"), Is.EqualTo("e2e-runner"));
        Assert.That(run.GetProperty("trigger").Str("kind"), Is.EqualTo("api"));
        Assert.That(run.GetProperty("trigger").Str("tokenName"), Is.EqualTo("bootstrap-admin"));
        Assert.That(run.Str("startedAt"), Does.EndWith("Z"));
        Assert.That(log, Does.Contain("hello from narwhal"));
        Assert.That(log, Does.Contain("run 1 of echo, CI=true"));
        Assert.That(log, Does.Contain("to-stderr"));
        Assert.That(log.IndexOf("hello from narwhal", StringComparison.Ordinal), Is.LessThan(log.IndexOf("run 1 of echo", StringComparison.Ordinal)));
    }

    [Test]
    public async Task When_the_script_exits_3_Should_fail_with_exit_code_3_and_not_run_later_commands()
    {
        var (run, log) = await RunToEndAsync("exit-three", "echo before", "exit 3", "echo never-printed");

        Assert.That(run.Str("status"), Is.EqualTo("failed"));
        Assert.That(run.GetProperty("exitCode").GetInt32(), Is.EqualTo(3));
        Assert.That(log, Does.Contain("before"));
        Assert.That(log, Does.Not.Contain("never-printed"));
    }

    [Test]
    public async Task When_the_image_does_not_exist_Should_end_as_error_naming_the_image()
    {
        var put = await Client.PutFreestyleJobAsync("no-image", "local/narwhal-does-not-exist:404", "echo hi");
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var triggered = await Client.TriggerAsync("no-image");
        var run = await Client.WaitForRunEndAsync(triggered.Str("id"));

        Assert.That(run.Str("status"), Is.EqualTo("error"));
        Assert.That(run.Str("statusReason"), Does.Contain("local/narwhal-does-not-exist:404"));
    }

    [Test]
    public async Task When_a_run_is_rerun_Should_queue_a_new_run_linked_to_the_original_with_the_same_parameters()
    {
        var put = await Client.PutAsync("/jobs/rerun-me", JsonContent("""
            { "type": "freestyle", "image": "IMAGE", "script": ["echo greeting=$GREETING"],
              "parameters": [ { "name": "GREETING", "default": "hello" } ] }
            """.Replace("IMAGE", TestEnvironment.BusyboxImage)));
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.Created), await put.Content.ReadAsStringAsync());
        var first = await Client.TriggerAsync("rerun-me", new { parameters = new Dictionary<string, string> { ["GREETING"] = "bonjour" } });
        await Client.WaitForRunEndAsync(first.Str("id"));

        var response = await Client.PostAsync($"/runs/{first.Str("id")}/rerun", null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var second = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(second.Str("rerunOf"), Is.EqualTo(first.Str("id")));
        Assert.That(second.GetProperty("number").GetInt32(), Is.EqualTo(2));
        Assert.That(response.Headers.Location!.ToString(), Is.EqualTo($"/runs/{second.Str("id")}"));

        var done = await Client.WaitForRunEndAsync(second.Str("id"));
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        var log = await Client.GetStringAsync($"/jobs/rerun-me/runs/2/results/console");
        Assert.That(log, Does.Contain("greeting=bonjour"));
    }

    [Test]
    public async Task When_the_same_idempotency_key_is_sent_twice_Should_create_one_run()
    {
        var put = await Client.PutFreestyleJobAsync("idem", TestEnvironment.BusyboxImage, "echo once");
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var first = await Client.TriggerAsync("idem", idempotencyKey: "deploy-42");

        using var again = new HttpRequestMessage(HttpMethod.Post, "/jobs/idem/runs") { Content = JsonContent("{}") };
        again.Headers.Add("Idempotency-Key", "deploy-42");
        var replay = await Client.SendAsync(again);
        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var replayed = JsonDocument.Parse(await replay.Content.ReadAsStringAsync()).RootElement;
        Assert.That(replayed.Str("id"), Is.EqualTo(first.Str("id")));

        await Client.WaitForRunEndAsync(first.Str("id"));
        var runs = await Client.GetJsonAsync("/jobs/idem/runs");
        Assert.That(runs.GetProperty("items").GetArrayLength(), Is.EqualTo(1));
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
