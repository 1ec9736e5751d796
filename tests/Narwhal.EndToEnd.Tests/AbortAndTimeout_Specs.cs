using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>Abort (queued and running) and timeouts all end a run through its one cancellation token.</summary>
[TestFixture]
public sealed class AbortAndTimeout_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        await Client.PutFreestyleJobAsync("sleeper", TestEnvironment.BusyboxImage, "echo going to sleep", "sleep 300");
    }

    [TearDown]
    public async Task StopRunners()
    {
        await Stack.StopStartedAsync();
    }

    [Test]
    public async Task When_a_queued_run_is_aborted_Should_end_aborted_and_never_start()
    {
        var run = await Client.TriggerAsync("sleeper");
        var response = await Client.PostAsync($"/runs/{run.Str("id")}/abort", null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var aborted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(aborted.Str("status"), Is.EqualTo("aborted"));
        Assert.That(aborted.Str("statusReason"), Does.Contain("bootstrap-admin"));

        // Its message is still in the queue: a Runner takes it, finds the run aborted and skips it.
        await Stack.StartRunnerAsync("after-abort");
        await Eventually.UntilAsync(async () => await Stack.Vhost.QueueAsync("narwhal.runs.small"),
            q => q is { MessagesReady: 0, MessagesUnacknowledged: 0 }, "the aborted run's message to be consumed");
        var after = await Client.GetJsonAsync($"/runs/{run.Str("id")}");
        Assert.That(after.Str("status"), Is.EqualTo("aborted"));
        Assert.That(after.GetProperty("attempt").GetInt32(), Is.EqualTo(0), "never claimed");
        Assert.That(after.TryGetProperty("startedAt", out _), Is.False);
    }

    [Test]
    public async Task When_a_running_run_is_aborted_Should_stop_promptly_and_end_aborted()
    {
        await Stack.StartRunnerAsync("abort-target");
        var run = await Client.TriggerAsync("sleeper");
        await ContainerWait.UntilRunningAsync(run.Str("id"));

        var clock = Stopwatch.StartNew();
        var response = await Client.PostAsync($"/runs/{run.Str("id")}/abort", null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).Str("abortRequestedBy"), Is.EqualTo("bootstrap-admin"));

        var done = await Client.WaitForRunEndAsync(run.Str("id"));
        TestContext.Out.WriteLine($"abort latency (request → terminal status seen): {clock.ElapsedMilliseconds} ms");
        Assert.That(done.Str("status"), Is.EqualTo("aborted"));
        Assert.That(done.Str("statusReason"), Is.EqualTo("Aborted by bootstrap-admin."));
        var log = await Client.GetStringAsync($"/runs/{run.Str("id")}/results/console");
        Assert.That(log, Does.Contain("going to sleep"));

        var again = await Client.PostAsync($"/runs/{run.Str("id")}/abort", null);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(again.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task When_the_abort_broadcast_is_missed_Should_still_stop_the_run_from_the_database()
    {
        await Stack.StartRunnerAsync("db-check", new Dictionary<string, string?> { ["NARWHAL_RUNNER_CONTROL_CHECK"] = "0.5" });
        var run = await Client.TriggerAsync("sleeper");
        await Eventually.UntilAsync(() => Client.GetJsonAsync($"/runs/{run.Str("id")}"), r => r.Str("status") == "running", "the run to start");

        // Recorded in the database only, as if the broadcast had been lost.
        await Stack.Database.ExecuteAsync("UPDATE runs SET abort_requested_at = now(), abort_requested_by = 'operator' WHERE id = @id",
            new { id = Guid.Parse(run.Str("id")) });

        var done = await Client.WaitForRunEndAsync(run.Str("id"));
        Assert.That(done.Str("status"), Is.EqualTo("aborted"));
        Assert.That(done.Str("statusReason"), Is.EqualTo("Aborted by operator."));
    }

    [Test]
    public async Task When_a_run_exceeds_its_timeout_Should_be_stopped_and_end_timed_out()
    {
        await Client.PutAsJsonAsync("/jobs/slow", new { type = "freestyle", image = TestEnvironment.BusyboxImage, script = new[] { "echo slow start", "sleep 300" }, timeoutSeconds = 8 }, Json.Options);
        await Stack.StartRunnerAsync("timer");
        var run = await Client.TriggerAsync("slow");

        var done = await Client.WaitForRunEndAsync(run.Str("id"));
        Assert.That(done.Str("status"), Is.EqualTo("timed_out"));
        Assert.That(done.Str("statusReason"), Does.Contain("8 s"));
        Assert.That(await Client.GetStringAsync($"/runs/{run.Str("id")}/results/console"), Does.Contain("slow start"));
    }

    [Test]
    public async Task When_an_unknown_or_ended_run_is_aborted_Should_answer_404_or_409()
    {
        var unknown = await Client.PostAsync($"/runs/{Guid.NewGuid()}/abort", null);
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        using var readOnly = await ReadOnlyClientAsync();
        var run = await Client.TriggerAsync("sleeper");
        var forbidden = await readOnly.PostAsync($"/runs/{run.Str("id")}/abort", null);
        Assert.That(forbidden.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Client.GetJsonAsync($"/runs/{run.Str("id")}")).Str("status"), Is.EqualTo("queued"), "a refused request changes nothing");
        await Client.PostAsync($"/runs/{run.Str("id")}/abort", null);
    }

    private async Task<HttpClient> ReadOnlyClientAsync()
    {
        var created = await Client.PostAsJsonAsync("/tokens", new { name = $"reader-{Guid.NewGuid():N}", scopes = new[] { "read" } });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        return Stack.Client(body.Str("secret"));
    }
}
