using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests.Fleet;

/// <summary>
/// GET /autoscale on real queue depths: desired Runners per class from the queue (ready) and the
/// running runs, within the configured bounds; only idle online Runners are proposed for draining.
/// </summary>
[TestFixture]
public sealed class Autoscale_Specs : StackFixture
{
    private Uri _dispatcher = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var dispatcher = await Stack.StartDispatcherAsync(FleetTesting.DispatcherSettings(new Dictionary<string, string?>
        {
            ["NARWHAL_AUTOSCALE"] = "small=0:10,large=1:4",
            ["NARWHAL_AUTOSCALE_SLOTS"] = "small=2,large=3",
        }));
        _dispatcher = new Uri(TestStack.BoundAddress(dispatcher));
    }

    [Test]
    public async Task When_runs_wait_in_a_queue_no_runner_serves_Should_desire_enough_runners_within_the_bounds()
    {
        await new Narwhal.Api.Jobs.JobStore(Stack.Database.DataSource).SaveAsync("big",
            RunSeeder.Freestyle("echo big") with { ResourceClass = "large" }, CancellationToken.None);
        for (var i = 0; i < 5; i++) await Client.TriggerAsync("big");

        var large = FleetTesting.Class(await Eventually.UntilAsync(() => FleetTesting.GetAutoscaleAsync(_dispatcher),
            a => FleetTesting.Class(a, "large").GetProperty("ready").GetInt32() == 5, "the broker to report 5 ready runs of class large"), "large");
        Assert.That(large.GetProperty("desired").GetInt32(), Is.EqualTo(2), "ceil(5 / 3 slots)");
        Assert.That((large.GetProperty("min").GetInt32(), large.GetProperty("max").GetInt32(), large.GetProperty("slotsPerRunner").GetInt32()),
            Is.EqualTo((1, 4, 3)));
        Assert.That(large.GetProperty("running").GetInt32(), Is.EqualTo(0));
        Assert.That(large.GetProperty("runners").GetProperty("online").GetInt32(), Is.EqualTo(0));

        for (var i = 0; i < 10; i++) await Client.TriggerAsync("big");
        large = FleetTesting.Class(await Eventually.UntilAsync(() => FleetTesting.GetAutoscaleAsync(_dispatcher),
            a => FleetTesting.Class(a, "large").GetProperty("ready").GetInt32() == 15, "the broker to report 15 ready runs"), "large");
        Assert.That(large.GetProperty("desired").GetInt32(), Is.EqualTo(4), "ceil(15 / 3) = 5, capped at the maximum of 4");
    }

    [Test]
    public async Task When_more_runners_are_online_than_needed_Should_propose_only_idle_ones_for_draining()
    {
        // A Runner busy with a claimed run, and an idle one; both heartbeat.
        var (_, busyRun, outboxId) = await RunSeeder.QueuedRunAsync(Stack.Database.DataSource, "busy-work");
        await Stack.Database.ExecuteAsync("UPDATE outbox SET published_at = now() WHERE id = @outboxId", new { outboxId });
        await new RunAttemptStore(Stack.Database.DataSource).ClaimAsync(busyRun.Id, "scale-busy", CancellationToken.None);
        await using var busy = await HeartbeatPump.StartAsync(Stack, "scale-busy");
        await using var idle = await HeartbeatPump.StartAsync(Stack, "scale-idle");

        var small = FleetTesting.Class(await Eventually.UntilAsync(() => FleetTesting.GetAutoscaleAsync(_dispatcher),
            a => FleetTesting.Class(a, "small").GetProperty("runners").GetProperty("online").GetInt32() == 2, "both Runners to be online"), "small");

        Assert.That(small.GetProperty("running").GetInt32(), Is.EqualTo(1));
        Assert.That(small.GetProperty("desired").GetInt32(), Is.EqualTo(1), "the running run needs one Runner");
        Assert.That(small.GetProperty("runners").GetProperty("busy").GetInt32(), Is.EqualTo(1));
        Assert.That(small.GetProperty("runners").GetProperty("idle").GetInt32(), Is.EqualTo(1));
        Assert.That(small.GetProperty("drainable").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "scale-idle" }),
            "the idle one may go; the busy one never");

        // The busy Runner's run ends: now both are idle, and none is needed.
        await Stack.Database.ExecuteAsync("UPDATE runs SET status = @succeeded, finished_at = now() WHERE id = @id",
            new { id = busyRun.Id, succeeded = RunStatus.Succeeded.Name() });
        small = FleetTesting.Class(await Eventually.UntilAsync(() => FleetTesting.GetAutoscaleAsync(_dispatcher),
            a => FleetTesting.Class(a, "small").GetProperty("drainable").GetArrayLength() == 2, "both idle Runners to be drainable"), "small");
        Assert.That(small.GetProperty("desired").GetInt32(), Is.EqualTo(0));
    }

    [Test]
    public async Task The_Dispatchers_metrics_Should_parse_as_Prometheus_text_with_queue_depth_and_runners_by_state()
    {
        // Reads only: the other tests of this fixture count the runs they queue.
        using var http = new HttpClient { BaseAddress = _dispatcher };
        var metrics = await Eventually.UntilAsync(
            async () => Narwhal.Testing.Metrics.PrometheusTextParser.Parse(await http.GetStringAsync("/metrics")),
            m => m.Families.TryGetValue("narwhal_queue_depth", out var depth)
                 && depth.Samples.Any(s => s.Label("class") == "large" && s.Label("state") == "ready"),
            "the queue depth of class large in /metrics");
        Assert.That(metrics["narwhal_queue_depth"].Type, Is.EqualTo("gauge"));
        Assert.That(metrics["narwhal_runners"].Samples.Select(s => s.Label("state")), Is.SupersetOf(new[] { "online", "draining", "offline" }));
        Assert.That(metrics["narwhal_autoscale_desired_runners"].Samples.Select(s => s.Label("class")), Is.SupersetOf(new[] { "small", "large" }));
        Assert.That(metrics.Families.ContainsKey("narwhal_runs_lost_total") || metrics.Families.ContainsKey("narwhal_runs"), "run counters are exposed");
    }
}
