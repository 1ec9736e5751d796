using System.Text.Json;
using Narwhal.Cli.Commands;
using Narwhal.Contracts;
using Narwhal.Core.Fleet;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>
/// run --follow of a queued run says why it waits, from the run and GET /runners: every Runner of its
/// class paused or draining, none online, all full, or held by a concurrency limit.
/// </summary>
[TestFixture]
public sealed class WaitingReason_Specs
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static JsonElement Run(string resourceClass = "default", string extra = "") =>
        Json($$"""{ "status": "queued", "resourceClass": "{{resourceClass}}"{{extra}} }""");

    private static JsonElement Runners(params string[] runners) => Json($$"""{ "items": [{{string.Join(",", runners)}}] }""");

    private static string Runner(string id, string state = "online", string classes = "\"default\"", string? paused = null, int running = 0, int slots = 2) =>
        $$"""{ "id": "{{id}}", "state": "{{state}}", "classes": [{{classes}}], "running": {{running}}, "slots": {{slots}}{{(paused is null ? "" : $", \"paused\": \"{paused}\"")}} }""";

    [Test]
    public void When_every_Runner_of_the_class_is_paused_or_draining_Should_name_each_and_why()
    {
        var reason = WaitingReason.Of(Run(), Runners(
            Runner("build-01", paused: "cpu 91% ≥ 90%"),
            Runner("build-02", state: "draining"),
            Runner("old", state: "offline"),
            Runner("other", classes: "\"large\"")));

        Assert.That(reason, Is.EqualTo("no Runner takes class `default` now — build-01: cpu 91% ≥ 90%; build-02: draining"));
    }

    [Test]
    public void When_no_Runner_online_serves_the_class_Should_say_so()
    {
        Assert.That(WaitingReason.Of(Run("gpu"), Runners(Runner("build-01"), Runner("gpu-01", state: "offline", classes: "\"gpu\""))),
            Is.EqualTo("no Runner online serves class `gpu`"));
    }

    [Test]
    public void When_every_Runner_taking_the_class_is_full_Should_show_their_slots()
    {
        Assert.That(WaitingReason.Of(Run(), Runners(Runner("build-01", running: 2, slots: 2), Runner("build-02", paused: "disk"))),
            Is.EqualTo("every Runner taking class `default` is full — build-01: 2/2 slots busy"));
    }

    [Test]
    public void When_a_Runner_could_take_it_Should_give_no_reason()
    {
        Assert.That(WaitingReason.Of(Run(), Runners(Runner("build-01", running: 1, slots: 2), Runner("build-02", paused: "disk"))), Is.Null);
    }

    [Test]
    public void When_the_run_is_held_Should_name_the_limit()
    {
        var held = Run(extra: """, "held": true, "waitingFor": "maxConcurrent of job 'deploy-api'" """);
        Assert.That(WaitingReason.Of(held, Runners()), Is.EqualTo("held by maxConcurrent of job 'deploy-api'"));
    }
}

/// <summary>The same against a real Api: the reason reaches stderr while run --follow waits.</summary>
[TestFixture]
public sealed class WaitingReasonFollow_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        // The only Runners of class "large": one paused by its CPU gate, one draining. No real Runner: the run stays queued.
        var registry = new RunnerStore(Stack.Database.DataSource);
        await registry.UpsertHeartbeatAsync(Heartbeat("build-01") with { Paused = "cpu 91% ≥ 90%" }, CancellationToken.None);
        await registry.UpsertHeartbeatAsync(Heartbeat("build-02") with { Draining = true }, CancellationToken.None);
        var job = $$"""{ "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["true"], "resourceClass": "large" }""";
        (await Client.PutAsync("/jobs/waits", new StringContent(job, System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
    }

    private static RunnerHeartbeat Heartbeat(string id) => Heartbeats.Of(id, classes: ["large"]) with
    {
        Host = "host-" + id,
        Version = "1.0.0",
        CpuPercent = 91,
        MemoryUsedBytes = 1L << 30,
        MemoryTotalBytes = 8L << 30,
        Quota = new RunnerQuota(4, 4, 8, 8),
    };

    [Test]
    public async Task While_every_Runner_of_the_class_is_paused_Should_say_why_the_run_waits()
    {
        using var cli = new Cli(Stack.ApiUrl, TestStack.AdminToken);
        var stderr = new SyncWriter();
        using var interrupts = new Interrupts();
        var follow = cli.RunInteractiveAsync(new StringReader(""), Terminal.None, interrupts, ["run", "waits", "--follow"], stderr: stderr);

        await Eventually.UntilAsync(() => Task.FromResult(stderr.ToString().Contains("waiting: no Runner takes class `large` now")),
            "the reason appears", TimeSpan.FromSeconds(20));
        interrupts.Raise(); // without a terminal: stop following, leave the run
        var result = await follow;

        Assert.That(result.Stderr, Does.Contain("waiting: no Runner takes class `large` now — build-01: cpu 91% ≥ 90%; build-02: draining\n"), result.ToString());
        var queued = await Client.GetJsonAsync("/runs?job=waits&status=queued");
        await Client.PostAsync($"/runs/{queued.GetProperty("items")[0].Str("id")}/abort", null);
    }
}
