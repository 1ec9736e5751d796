using System.Net;
using System.Text;
using Narwhal.Api.Tests.Support;
using Narwhal.Contracts;
using Narwhal.Core.Fleet;
using Narwhal.Core.Messaging;
using Narwhal.Core.Persistence;
using NUnit.Framework;
using RabbitMQ.Client;

namespace Narwhal.Api.Tests.Runners;

/// <summary>
/// GET /runners, GET /runners/{id}, POST /runners/{id}/drain against a real Api, Postgres and RabbitMQ.
/// Runners are registered through the registry's own heartbeat write, as the Dispatcher does.
/// </summary>
[TestFixture]
public sealed class RunnersApi_Specs : StackFixture
{
    private RunnerStore _registry = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _registry = Stack.ApiService<RunnerStore>();

        // Gone first (everything silent so far is marked offline), then the live ones.
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("a-gone"), CancellationToken.None);
        await _registry.MarkSilentOfflineAsync(TimeSpan.Zero, CancellationToken.None);
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("c-live"), CancellationToken.None);
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("b-draining") with { Draining = true }, CancellationToken.None);
    }

    [Test]
    public async Task When_runners_are_listed_Should_show_live_ones_by_id_and_offline_ones_last()
    {
        var page = await Client.GetJsonAsync("/runners");

        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.That(items.Select(r => (r.Str("id"), r.Str("state"))).Where(r => r.Item1 is "a-gone" or "b-draining" or "c-live"),
            Is.EqualTo(new[] { ("b-draining", "draining"), ("c-live", "online"), ("a-gone", "offline") }));
        Assert.That(page.TryGetProperty("nextCursor", out _), Is.False, "one page holds them all");
    }

    [Test]
    public async Task When_a_runner_runs_a_run_Should_show_it_with_job_and_number_and_its_load()
    {
        await Client.PutFreestyleJobAsync("on-runner", TestEnvironment.BusyboxImage, "true");
        var run = await Client.TriggerAsync("on-runner");
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("d-busy") with { RunningRunIds = [Guid.Parse(run.Str("id"))] }, CancellationToken.None);

        var runner = await Client.GetJsonAsync("/runners/d-busy");

        Assert.That(runner.GetProperty("running").GetInt32(), Is.EqualTo(1));
        Assert.That(runner.GetProperty("slots").GetInt32(), Is.EqualTo(2));
        Assert.That(runner.GetProperty("classes").EnumerateArray().Select(c => c.GetString()), Is.EqualTo(new[] { "small" }));
        Assert.That(runner.GetProperty("load").GetProperty("cpuPercent").GetDouble(), Is.EqualTo(12.5));
        Assert.That(runner.GetProperty("load").GetProperty("quota").GetProperty("cpuFree").GetInt32(), Is.EqualTo(4));
        var shown = runner.GetProperty("runningRuns")[0];
        Assert.That((shown.Str("id"), shown.Str("job"), shown.GetProperty("number").GetInt32()), Is.EqualTo((run.Str("id"), "on-runner", 1)));
        Assert.That(shown.Str("self"), Is.EqualTo($"/runs/{run.Str("id")}"));
    }

    [Test]
    public async Task When_a_run_ended_after_the_runners_last_heartbeat_Should_not_list_it_as_running()
    {
        await Client.PutFreestyleJobAsync("ended-since", TestEnvironment.BusyboxImage, "true");
        var ended = await Client.TriggerAsync("ended-since");
        var going = await Client.TriggerAsync("ended-since");
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("e-stale") with
        {
            RunningRunIds = [Guid.Parse(ended.Str("id")), Guid.Parse(going.Str("id"))],
        }, CancellationToken.None);
        (await Client.PostAsync($"/runs/{ended.Str("id")}/abort", null)).EnsureSuccessStatusCode();

        var runner = await Client.GetJsonAsync("/runners/e-stale");
        var listed = (await Client.GetJsonAsync("/runners")).GetProperty("items").EnumerateArray().Single(r => r.Str("id") == "e-stale");

        foreach (var shown in new[] { runner, listed })
        {
            Assert.That(shown.GetProperty("runningRuns").EnumerateArray().Select(r => r.Str("id")), Is.EqualTo(new[] { going.Str("id") }),
                "the heartbeat still names the aborted run; Postgres says it has ended");
            Assert.That(shown.GetProperty("running").GetInt32(), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task When_an_unknown_runner_is_asked_for_Should_answer_404()
    {
        var problem = await (await Client.GetAsync("/runners/nobody")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That(problem.Detail(), Does.Contain("'nobody'"));
        await (await Client.PostAsync("/runners/nobody/drain", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_a_runner_is_drained_Should_record_who_asked_and_broadcast_DrainRunner()
    {
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("e-to-drain"), CancellationToken.None);
        await using var connection = await new ConnectionFactory { Uri = Stack.Vhost.AmqpUrl }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await RunControl.DeclareAsync(channel, CancellationToken.None);
        var queue = (await channel.QueueDeclareAsync(exclusive: true)).QueueName;
        await channel.QueueBindAsync(queue, RunControl.Exchange, "");

        var response = await Client.PostAsync("/runners/e-to-drain/drain", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo("/runners/e-to-drain"));
        var runner = await response.ReadJsonAsync();
        Assert.That(runner.Str("drainRequestedBy"), Is.EqualTo("bootstrap-admin"));
        Assert.That(runner.Str("state"), Is.EqualTo("online"), "draining once the Runner says so in its next heartbeat");
        Assert.That((await _registry.GetAsync("e-to-drain", CancellationToken.None))!.DrainRequestedAt, Is.Not.Null);

        var delivered = await Eventually.UntilAsync(() => channel.BasicGetAsync(queue, autoAck: true), m => m is not null,
            "the DrainRunner broadcast", TimeSpan.FromSeconds(30));
        Assert.That(delivered!.BasicProperties.Type, Is.EqualTo(nameof(DrainRunner)));
        var message = Json.Deserialize<DrainRunner>(Encoding.UTF8.GetString(delivered.Body.Span));
        Assert.That((message.RunnerId, message.RequestedBy), Is.EqualTo(("e-to-drain", "bootstrap-admin")));
    }

    [Test]
    public async Task When_a_drain_is_asked_twice_Should_keep_the_first_request()
    {
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("f-twice"), CancellationToken.None);
        var first = await (await Client.PostAsync("/runners/f-twice/drain", null)).ReadJsonAsync();

        var (_, secret) = await Client.CreateTokenAsync("second-admin", "admin");
        using var other = Stack.Client(secret);
        var second = await other.PostAsync("/runners/f-twice/drain", null);

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var again = await second.ReadJsonAsync();
        Assert.That(again.Str("drainRequestedBy"), Is.EqualTo("bootstrap-admin"));
        Assert.That(again.Str("drainRequestedAt"), Is.EqualTo(first.Str("drainRequestedAt")));
    }

    [Test]
    public async Task When_a_drained_runner_restarted_Should_record_a_new_drain_request_for_its_new_process()
    {
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("h-restarted", sequence: 7), CancellationToken.None);
        var first = await (await Client.PostAsync("/runners/h-restarted/drain", null)).ReadJsonAsync();

        // It drained and exited; a new process under the same id starts its sequence again.
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("h-restarted", sequence: 1) with { SentAt = DateTimeOffset.UtcNow.AddSeconds(1) },
            CancellationToken.None);
        var second = await (await Client.PostAsync("/runners/h-restarted/drain", null)).ReadJsonAsync();

        Assert.That(DateTime.Parse(second.Str("drainRequestedAt")), Is.GreaterThan(DateTime.Parse(first.Str("drainRequestedAt"))),
            "the new process would ignore a request older than itself");
    }

    [Test]
    public async Task When_an_offline_runner_is_drained_Should_answer_409()
    {
        var problem = await (await Client.PostAsync("/runners/a-gone/drain", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Assert.That(problem.Detail(), Does.Contain("offline"));
    }

    [Test]
    public async Task When_a_read_token_drains_Should_answer_403_and_record_nothing()
    {
        await _registry.UpsertHeartbeatAsync(Heartbeats.Of("g-kept"), CancellationToken.None);
        var (_, secret) = await Client.CreateTokenAsync("runner-reader", "read");
        using var reader = Stack.Client(secret);

        Assert.That((await reader.GetAsync("/runners")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await (await reader.PostAsync("/runners/g-kept/drain", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        Assert.That((await _registry.GetAsync("g-kept", CancellationToken.None))!.DrainRequestedAt, Is.Null);
    }
}
