using System.Net;
using System.Text.Json;
using Narwhal.Core.Messaging;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests.Concurrency;

/// <summary>
/// maxConcurrent and concurrencyGroup with a real Runner that has room for more: runs beyond the
/// limit wait queued (held, no message) and start in trigger order as others end, with no requeue
/// loop — each run is published exactly once and claimed exactly once.
/// </summary>
[TestFixture]
public sealed class MaxConcurrent_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        // Four slots: anything that runs one at a time below does so because of the limit, not the Runner.
        await Stack.StartRunnerAsync("wide", new Dictionary<string, string?> { ["NARWHAL_RUNNER_SLOTS"] = "4" });
    }

    private async Task PutJobAsync(string name, object settings, string script)
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = "freestyle", ["image"] = TestEnvironment.BusyboxImage, ["script"] = new[] { script },
        };
        foreach (var property in JsonSerializer.SerializeToElement(settings).EnumerateObject()) body[property.Name] = property.Value;
        var response = await Client.PutAsync($"/jobs/{name}", JsonContent(body));
        Assert.That(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    private async Task<IReadOnlyList<JsonElement>> WaitForAllAsync(IEnumerable<JsonElement> runs) =>
        await Task.WhenAll(runs.Select(r => Client.WaitForRunEndAsync(r.Str("id"), TimeSpan.FromSeconds(180))));

    /// <summary>Ended runs in the order they started: each started after the one before it finished.</summary>
    private static void AssertOneAtATime(IReadOnlyList<JsonElement> ended)
    {
        var byStart = ended.OrderBy(r => r.GetProperty("startedAt").GetDateTime()).ToList();
        for (var i = 1; i < byStart.Count; i++)
        {
            var before = byStart[i - 1];
            var after = byStart[i];
            Assert.That(after.GetProperty("startedAt").GetDateTime(), Is.GreaterThanOrEqualTo(before.GetProperty("finishedAt").GetDateTime()),
                $"{after.Str("job")} #{after.GetProperty("number")} started before {before.Str("job")} #{before.GetProperty("number")} finished");
        }
    }

    /// <summary>While the runs execute: the class queue never holds more messages than the limit allows.</summary>
    private async Task<int> MaxQueueDepthWhileAsync(Task running)
    {
        var max = 0;
        while (!running.IsCompleted)
        {
            if (await Stack.Vhost.QueueAsync(RunQueues.QueueName("small")) is { } queue)
                max = Math.Max(max, queue.MessagesReady + queue.MessagesUnacknowledged);
            await Task.WhenAny(running, Task.Delay(200));
        }
        return max;
    }

    [Test]
    public async Task When_four_runs_of_a_maxConcurrent_1_job_are_triggered_at_once_Should_run_strictly_one_at_a_time_in_trigger_order()
    {
        await PutJobAsync("one-at-a-time", new { maxConcurrent = 1 }, "sleep 1");

        var triggered = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Client.TriggerAsync("one-at-a-time")));
        Assert.That(triggered.Count(r => r.GetProperty("held").GetBoolean()), Is.EqualTo(3), "one starts, three wait");
        var all = WaitForAllAsync(triggered);
        var maxDepth = await MaxQueueDepthWhileAsync(all);
        var ended = await all;

        Assert.That(ended.Select(r => r.Str("status")), Is.All.EqualTo("succeeded"));
        var numbersInStartOrder = ended.OrderBy(r => r.GetProperty("startedAt").GetDateTime()).Select(r => r.GetProperty("number").GetInt32());
        Assert.That(numbersInStartOrder, Is.EqualTo(new[] { 1, 2, 3, 4 }), "trigger order");
        AssertOneAtATime(ended);
        Assert.That(ended.Select(r => r.GetProperty("attempt").GetInt32()), Is.All.EqualTo(1), "each claimed once");
        Assert.That(maxDepth, Is.LessThanOrEqualTo(1), "never more messages than the limit");
        Assert.That(await Stack.Database.ScalarAsync<long>(
                "SELECT count(*) FROM outbox o JOIN runs r ON r.id = o.run_id WHERE r.job_name = 'one-at-a-time'"),
            Is.EqualTo(4), "each run published exactly once: released, never requeued");
    }

    [Test]
    public async Task When_two_jobs_share_a_concurrency_group_Should_run_their_runs_one_at_a_time_between_them()
    {
        var group = new { maxConcurrent = 1, concurrencyGroup = "e2e-target" };
        await PutJobAsync("deploy-a", group, "sleep 1");
        await PutJobAsync("deploy-b", group, "sleep 1");

        var triggered = new List<JsonElement>();
        foreach (var job in new[] { "deploy-a", "deploy-b", "deploy-a", "deploy-b" }) triggered.Add(await Client.TriggerAsync(job));
        var ended = await WaitForAllAsync(triggered);

        Assert.That(ended.Select(r => r.Str("status")), Is.All.EqualTo("succeeded"));
        AssertOneAtATime(ended);
        Assert.That(ended.OrderBy(r => r.GetProperty("startedAt").GetDateTime()).Select(r => r.Str("id")),
            Is.EqualTo(triggered.Select(r => r.Str("id"))), "trigger order across both jobs");
    }

    [Test]
    public async Task When_runs_wait_for_the_limit_Should_abort_a_held_one_without_starting_it_and_release_the_next_when_the_running_one_is_aborted()
    {
        await PutJobAsync("long-deploy", new { maxConcurrent = 1 }, "sleep 300");
        var first = await Client.TriggerAsync("long-deploy");
        var second = await Client.TriggerAsync("long-deploy");
        var third = await Client.TriggerAsync("long-deploy");
        await Eventually.UntilAsync(() => Client.GetJsonAsync($"/runs/{first.Str("id")}"), r => r.Str("status") == "running", "#1 to start");

        var abortHeld = await Client.PostAsync($"/runs/{third.Str("id")}/abort", null);
        Assert.That(abortHeld.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a held run ends at once");
        var abortRunning = await Client.PostAsync($"/runs/{first.Str("id")}/abort", null);
        Assert.That(abortRunning.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        Assert.That((await Client.WaitForRunEndAsync(first.Str("id"))).Str("status"), Is.EqualTo("aborted"));
        var released = await Eventually.UntilAsync(() => Client.GetJsonAsync($"/runs/{second.Str("id")}"),
            r => r.Str("status") == "running", "#2 to start once #1 ended");
        Assert.That(released.GetProperty("held").GetBoolean(), Is.False);

        var neverStarted = await Client.GetJsonAsync($"/runs/{third.Str("id")}");
        Assert.That(neverStarted.Str("status"), Is.EqualTo("aborted"));
        Assert.That(neverStarted.GetProperty("attempt").GetInt32(), Is.Zero);
        Assert.That(neverStarted.TryGetProperty("startedAt", out _), Is.False);
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @id", new { id = Guid.Parse(third.Str("id")) }),
            Is.Zero, "a held run that was aborted never had a message");

        await Client.PostAsync($"/runs/{second.Str("id")}/abort", null);
        Assert.That((await Client.WaitForRunEndAsync(second.Str("id"))).Str("status"), Is.EqualTo("aborted"));
    }
}
