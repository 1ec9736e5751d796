using Narwhal.Contracts;
using Narwhal.Core.Fleet;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>
/// runners list / drain and the fleet settings in jobs get, against a real Api. Runners are registered
/// through the registry's heartbeat write (what the Dispatcher does with each heartbeat).
/// </summary>
[TestFixture]
public sealed class Runners_Specs : StackFixture
{
    private RunnerStore _registry = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _registry = new RunnerStore(Stack.Database.DataSource);
        await _registry.UpsertHeartbeatAsync(Heartbeat("old-box"), CancellationToken.None);
        await _registry.MarkSilentOfflineAsync(TimeSpan.Zero, CancellationToken.None);
        await _registry.UpsertHeartbeatAsync(Heartbeat("build-01") with { Classes = ["small", "large"], CpuPercent = 42.4 }, CancellationToken.None);
        await _registry.UpsertHeartbeatAsync(Heartbeat("build-02") with { Paused = "cpu 93% ≥ 85%" }, CancellationToken.None);
    }

    private Cli NewCli() => new(Stack.ApiUrl, TestStack.AdminToken);

    /// <summary>A Runner as the table shows it: the values the rows below are checked against.</summary>
    private static RunnerHeartbeat Heartbeat(string id) => Heartbeats.Of(id, running: [Guid.NewGuid()]) with
    {
        Host = "host-" + id,
        Version = "1.0.0",
        Slots = 4,
        CpuPercent = 7,
        MemoryUsedBytes = 1L << 30,
        MemoryTotalBytes = 8L << 30,
        Quota = new RunnerQuota(4, 3, 8, 6),
    };

    [Test]
    public async Task When_runners_are_listed_Should_show_a_row_each_with_offline_ones_last()
    {
        using var cli = NewCli();

        var list = await cli.RunAsync("runners", "list");

        Assert.That(list.ExitCode, Is.EqualTo(0), list.ToString());
        var lines = list.Stdout.TrimEnd('\n').Split('\n');
        Assert.That(lines[0], Does.StartWith("ID").And.Contain("STATE").And.Contain("CLASSES").And.Contain("RUNNING/SLOTS")
            .And.Contain("CPU").And.Contain("LAST SEEN"));
        var rows = lines.Skip(1).Where(l => l.StartsWith("build-0", StringComparison.Ordinal) || l.StartsWith("old-box", StringComparison.Ordinal)).ToList();
        Assert.That(rows.Select(r => r.Split(' ')[0]), Is.EqualTo(new[] { "build-01", "build-02", "old-box" }));
        Assert.That(rows[0], Does.Contain("online").And.Contain("small,large").And.Contain("1/4").And.Contain("42%"));
        Assert.That(rows[1], Does.Contain("cpu 93% ≥ 85%"));
        Assert.That(rows[2], Does.Contain("offline"));
    }

    [Test]
    public async Task In_json_Should_print_the_APIs_list()
    {
        using var cli = NewCli();

        var json = await cli.RunAsync("runners", "list", "-o", "json");

        Assert.That(json.ExitCode, Is.EqualTo(0), json.ToString());
        Assert.That(json.Json.GetProperty("items").EnumerateArray().Select(r => r.Str("id")), Does.Contain("build-01"));
    }

    [Test]
    public async Task When_a_runner_is_drained_Should_say_so_and_the_registry_should_record_it()
    {
        using var cli = NewCli();

        var drained = await cli.RunAsync("runners", "drain", "build-02");

        Assert.That(drained.ExitCode, Is.EqualTo(0), drained.ToString());
        Assert.That(drained.Stdout, Does.Contain("Drain requested for Runner build-02 by bootstrap-admin")
            .And.Contain("finishes its 1 running run(s), then exits"));
        Assert.That((await _registry.GetAsync("build-02", CancellationToken.None))!.DrainRequestedBy, Is.EqualTo("bootstrap-admin"));
    }

    [Test]
    public async Task When_the_runner_is_unknown_or_offline_Should_fail_with_the_APIs_reason()
    {
        using var cli = NewCli();

        var unknown = await cli.RunAsync("runners", "drain", "nobody");
        var offline = await cli.RunAsync("runners", "drain", "old-box");

        Assert.That(unknown.ExitCode, Is.EqualTo(ExitCodes.NotFound), unknown.ToString());
        Assert.That(unknown.Stderr, Does.Contain("nobody"));
        Assert.That(offline.ExitCode, Is.EqualTo(ExitCodes.Api), offline.ToString());
        Assert.That(offline.Stderr, Does.Contain("offline"));
    }

    [Test]
    public async Task When_a_read_token_drains_Should_fail_as_an_auth_error()
    {
        using var admin = Stack.Client();
        var response = await admin.PostAsync("/tokens", new StringContent("""{ "name": "cli-runner-reader", "scopes": ["read"] }""",
            System.Text.Encoding.UTF8, "application/json"));
        var secret = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Str("secret");
        using var cli = new Cli(Stack.ApiUrl, secret);

        Assert.That((await cli.RunAsync("runners", "list")).ExitCode, Is.EqualTo(0));
        Assert.That((await cli.RunAsync("runners", "drain", "build-01")).ExitCode, Is.EqualTo(ExitCodes.Auth));
    }

    [Test]
    public async Task When_a_job_has_fleet_settings_Should_show_them_in_jobs_get()
    {
        using var admin = Stack.Client();
        var put = await admin.PutAsync("/jobs/cli-deploy", new StringContent($$"""
            { "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["./deploy.sh"],
              "maxConcurrent": 1, "concurrencyGroup": "prod", "retry": { "onLost": 2 } }
            """, System.Text.Encoding.UTF8, "application/json"));
        Assert.That(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        using var cli = NewCli();

        var job = await cli.RunAsync("jobs", "get", "cli-deploy");

        Assert.That(job.ExitCode, Is.EqualTo(0), job.ToString());
        Assert.That(job.Stdout, Does.Contain("Max concurrent:  1 (shared by concurrency group prod)"));
        Assert.That(job.Stdout, Does.Contain("Retry on lost:   up to 2 new attempt(s)"));
    }

    [Test]
    public async Task When_asked_for_help_Should_explain_states_and_give_examples()
    {
        using var cli = new Cli();

        var help = await cli.RunAsync("runners", "drain", "--help");

        Assert.That(help.ExitCode, Is.EqualTo(0), help.ToString());
        Assert.That(help.Stdout, Does.Contain("Usage: narwhal runners drain ID").And.Contain("Examples:").And.Contain("409"));
    }
}
