using System.Net;
using System.Text.Json;
using Narwhal.Api.Tests.Support;
using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobRequests;

namespace Narwhal.Api.Tests.Runs;

/// <summary>
/// maxConcurrent and concurrencyGroup against a real Api, Postgres and RabbitMQ, playing the
/// Runner's part through its store: runs beyond the limit stay queued and held, with no outbox row
/// and no message; when a run of the key ends (any way), the database releases the next in trigger
/// order and the Api publishes it at once. The outbox relay's polling is switched off (an hour's
/// minimum age), so every publish seen here came from the request or the LISTEN announcement.
/// </summary>
[TestFixture]
public sealed class ConcurrencyHold_Specs() : StackFixture(apiSettings: new Dictionary<string, string?>
{
    ["NARWHAL_OUTBOX_RELAY_MIN_AGE"] = "3600",
})
{
    private RunAttemptStore _attempts = null!;

    [OneTimeSetUp]
    public void Start() => _attempts = new RunAttemptStore(Stack.Database.DataSource);

    private async Task<JsonElement> TriggerAsync(string job)
    {
        var response = await Client.PostRunAsync(job);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    private Task<JsonElement> RunAsync(JsonElement run) => Client.GetJsonAsync($"/runs/{run.Str("id")}");

    private static Guid IdOf(JsonElement run) => Guid.Parse(run.Str("id"));

    private Task<long> OutboxRowsAsync(JsonElement run) =>
        Stack.Database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @id", new { id = IdOf(run) });

    /// <summary>The Runner's part: claim, then end as succeeded.</summary>
    private async Task FinishAsync(JsonElement run)
    {
        var claim = await _attempts.ClaimAsync(IdOf(run), "spec-runner", CancellationToken.None);
        Assert.That(claim.Claimed, Is.Not.Null, $"run #{run.GetProperty("number")} could be claimed ({claim.FoundStatus})");
        await _attempts.FinishAsync(IdOf(run), claim.Claimed!.AttemptId, new RunCompletion { Status = RunStatus.Succeeded, ExitCode = 0 },
            CancellationToken.None);
    }

    private Task WaitUntilPublishedAsync(JsonElement run) =>
        Eventually.UntilAsync(
            () => Stack.Database.ScalarAsync<bool>("SELECT published_at IS NOT NULL FROM outbox WHERE run_id = @id", new { id = IdOf(run) }),
            $"run #{run.GetProperty("number")} to be published", TimeSpan.FromSeconds(30));

    private Task<JsonElement> WaitUntilReleasedAsync(JsonElement run) =>
        Eventually.UntilAsync(() => RunAsync(run), r => !r.GetProperty("held").GetBoolean(), $"run #{run.GetProperty("number")} to be released");

    [Test]
    public async Task When_runs_exceed_maxConcurrent_Should_hold_the_rest_queued_with_no_outbox_row()
    {
        await Client.CreateJobAsync("held-1", Freestyle() with { MaxConcurrent = 1 });

        var first = await TriggerAsync("held-1");
        var second = await TriggerAsync("held-1");
        var third = await TriggerAsync("held-1");

        Assert.That(first.GetProperty("held").GetBoolean(), Is.False);
        Assert.That(first.TryGetProperty("waitingFor", out _), Is.False);
        foreach (var held in new[] { second, third })
        {
            Assert.That(held.Str("status"), Is.EqualTo("queued"));
            Assert.That(held.GetProperty("held").GetBoolean(), Is.True);
            Assert.That(held.Str("waitingFor"), Is.EqualTo("maxConcurrent of job 'held-1'"));
            Assert.That(await OutboxRowsAsync(held), Is.Zero, "a held run has no message");
        }
        Assert.That(await OutboxRowsAsync(first), Is.EqualTo(1));
        var listed = await Client.GetJsonAsync("/runs?job=held-1");
        Assert.That(listed.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("held").GetBoolean()), Is.EqualTo(new[] { true, true, false }));
        await Eventually.UntilAsync(() => Stack.Vhost.QueueAsync(RunQueues.QueueName("small")), q => q is { MessagesReady: >= 1 },
            "the first run's message in the queue", TimeSpan.FromSeconds(30));
    }

    [Test]
    public async Task When_the_running_run_ends_Should_release_the_next_in_trigger_order_and_publish_it_at_once()
    {
        await Client.CreateJobAsync("held-2", Freestyle() with { MaxConcurrent = 1 });
        var first = await TriggerAsync("held-2");
        var second = await TriggerAsync("held-2");
        var third = await TriggerAsync("held-2");

        await FinishAsync(first);

        var released = await WaitUntilReleasedAsync(second);
        Assert.That(released.Str("status"), Is.EqualTo("queued"));
        Assert.That(released.TryGetProperty("waitingFor", out _), Is.False);
        await WaitUntilPublishedAsync(second);
        Assert.That((await RunAsync(third)).GetProperty("held").GetBoolean(), Is.True, "one at a time");
        Assert.That(await OutboxRowsAsync(third), Is.Zero);

        // The database wrote the message the Api writes: an ExecuteRun to the queue of the run's class.
        var (queue, payload) = await QueueAndPayloadAsync(second);
        Assert.That(queue, Is.EqualTo(RunQueues.QueueName("small")));
        var message = Json.Deserialize<ExecuteRun>(payload);
        Assert.That((message.RunId, message.JobName, message.RunNumber, message.ResourceClass),
            Is.EqualTo((IdOf(second), "held-2", 2, "small")));
        Assert.That(message.EnqueuedAt, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
        Assert.That(await Stack.Database.ScalarAsync<bool>("SELECT queued_at > created_at FROM runs WHERE id = @id", new { id = IdOf(second) }),
            "pickup latency counts from the release, not the trigger");
    }

    private async Task<(string Queue, string Payload)> QueueAndPayloadAsync(JsonElement run)
    {
        await using var connection = await Stack.Database.DataSource.OpenConnectionAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT queue, payload::text FROM outbox WHERE run_id = @id", connection);
        command.Parameters.AddWithValue("id", IdOf(run));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True);
        return (reader.GetString(0), reader.GetString(1));
    }

    [Test]
    public async Task When_a_held_run_is_aborted_Should_end_it_without_a_message_and_keep_the_line_order()
    {
        await Client.CreateJobAsync("held-abort", Freestyle() with { MaxConcurrent = 1 });
        var first = await TriggerAsync("held-abort");
        var second = await TriggerAsync("held-abort");
        var third = await TriggerAsync("held-abort");

        var abort = await Client.PostAsync($"/runs/{second.Str("id")}/abort", null);
        var aborted = await abort.ReadJsonAsync();
        Assert.That(abort.StatusCode, Is.EqualTo(HttpStatusCode.OK), aborted.ToString());
        Assert.That(aborted.Str("status"), Is.EqualTo("aborted"));
        Assert.That(aborted.GetProperty("held").GetBoolean(), Is.False);
        Assert.That((await RunAsync(third)).GetProperty("held").GetBoolean(), Is.True, "the first run still occupies the only slot");

        await FinishAsync(first);

        await WaitUntilReleasedAsync(third);
        await WaitUntilPublishedAsync(third);
        Assert.That(await OutboxRowsAsync(second), Is.Zero, "the aborted held run never got a message");
        Assert.That((await RunAsync(second)).GetProperty("attempt").GetInt32(), Is.Zero, "and never started");
    }

    [Test]
    public async Task When_the_queued_run_holding_the_slot_is_aborted_Should_release_the_next()
    {
        await Client.CreateJobAsync("held-abort-queued", Freestyle() with { MaxConcurrent = 1 });
        var first = await TriggerAsync("held-abort-queued");
        var second = await TriggerAsync("held-abort-queued");

        var abort = await Client.PostAsync($"/runs/{first.Str("id")}/abort", null);
        Assert.That(abort.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await WaitUntilReleasedAsync(second);
        await WaitUntilPublishedAsync(second);
    }

    [Test]
    public async Task When_a_running_run_ends_as_lost_Should_release_the_next()
    {
        await Client.CreateJobAsync("held-lost", Freestyle() with { MaxConcurrent = 1 });
        var first = await TriggerAsync("held-lost");
        var second = await TriggerAsync("held-lost");
        Assert.That((await _attempts.ClaimAsync(IdOf(first), "vanishing-runner", CancellationToken.None)).Claimed, Is.Not.Null);

        // What the Dispatcher's lost-run detection writes; the release does not depend on who ends a run.
        await Stack.Database.ExecuteAsync("UPDATE runs SET status = 'lost', finished_at = now() WHERE id = @id", new { id = IdOf(first) });

        await WaitUntilReleasedAsync(second);
        await WaitUntilPublishedAsync(second);
    }

    [Test]
    public async Task When_jobs_share_a_concurrency_group_Should_limit_them_together()
    {
        await Client.CreateJobAsync("deploy-api", Freestyle() with { MaxConcurrent = 1, ConcurrencyGroup = "prod" });
        await Client.CreateJobAsync("deploy-web", Freestyle() with { MaxConcurrent = 1, ConcurrencyGroup = "prod" });
        await Client.CreateJobAsync("prod", Freestyle() with { MaxConcurrent = 1 });

        var api = await TriggerAsync("deploy-api");
        var web = await TriggerAsync("deploy-web");
        var apiAgain = await TriggerAsync("deploy-api");
        var sameNamedJob = await TriggerAsync("prod");

        Assert.That(api.GetProperty("held").GetBoolean(), Is.False);
        Assert.That(web.GetProperty("held").GetBoolean(), Is.True);
        Assert.That(web.Str("waitingFor"), Is.EqualTo("concurrency group 'prod'"));
        Assert.That(apiAgain.GetProperty("held").GetBoolean(), Is.True);
        Assert.That(sameNamedJob.GetProperty("held").GetBoolean(), Is.False, "a job named like a group is not in it");

        await FinishAsync(api);
        await WaitUntilReleasedAsync(web);
        Assert.That((await RunAsync(apiAgain)).GetProperty("held").GetBoolean(), Is.True, "the group, not each job, has one slot");
        await FinishAsync(web);
        await WaitUntilReleasedAsync(apiAgain);
    }

    [Test]
    public async Task When_maxConcurrent_is_raised_Should_release_held_runs_at_once()
    {
        await Client.CreateJobAsync("held-raise", Freestyle() with { MaxConcurrent = 1 });
        var runs = new List<JsonElement>();
        for (var i = 0; i < 4; i++) runs.Add(await TriggerAsync("held-raise"));

        var put = await Client.PutJobAsync("held-raise", Freestyle() with { MaxConcurrent = 3 });
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await WaitUntilReleasedAsync(runs[1]);
        await WaitUntilReleasedAsync(runs[2]);
        await WaitUntilPublishedAsync(runs[2]);
        Assert.That((await RunAsync(runs[3])).GetProperty("held").GetBoolean(), Is.True, "three at once, not four");
    }

    [Test]
    public async Task When_a_stray_message_names_a_held_run_Should_refuse_its_claim()
    {
        await Client.CreateJobAsync("held-stray", Freestyle() with { MaxConcurrent = 1 });
        await TriggerAsync("held-stray");
        var held = await TriggerAsync("held-stray");

        var claim = await _attempts.ClaimAsync(IdOf(held), "stray-runner", CancellationToken.None);

        Assert.That(claim.Claimed, Is.Null);
        Assert.That(claim.FoundStatus, Is.EqualTo(RunStatus.Queued));
        Assert.That((await RunAsync(held)).GetProperty("held").GetBoolean(), Is.True);
    }

    [Test]
    public async Task When_many_triggers_race_Should_release_exactly_the_limit_and_the_lowest_numbers()
    {
        await Client.CreateJobAsync("held-race", Freestyle() with { MaxConcurrent = 2 });

        var runs = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => TriggerAsync("held-race")));

        var released = runs.Where(r => !r.GetProperty("held").GetBoolean()).Select(r => r.GetProperty("number").GetInt32()).Order();
        Assert.That(released, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(await Stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM outbox o JOIN runs r ON r.id = o.run_id WHERE r.job_name = 'held-race'"), Is.EqualTo(2));
    }

    [Test]
    public async Task When_a_job_has_no_limit_Should_never_hold_its_runs()
    {
        await Client.CreateJobAsync("unlimited", Freestyle());
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => TriggerAsync("unlimited")));
        Assert.That(runs.Select(r => r.GetProperty("held").GetBoolean()), Is.All.False);
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM runs WHERE job_name = 'unlimited' AND concurrency_key IS NOT NULL"),
            Is.Zero);
    }
}
