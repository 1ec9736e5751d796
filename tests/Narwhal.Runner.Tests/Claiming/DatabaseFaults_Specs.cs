using Narwhal.Runner.Tests.Fleet;
using Narwhal.Testing;
using Narwhal.Testing.Faults;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Fleet.FleetTestExtensions;

namespace Narwhal.Runner.Tests.Claiming;

/// <summary>
/// A Runner whose connection to Postgres goes through a fault proxy: the claim's answer lost after
/// it committed, the database gone just as a run ends. No run is lost, none runs twice.
/// </summary>
[TestFixture]
public sealed class DatabaseFaults_Specs : FleetFixture
{
    /// <summary>The claim's UPDATE (and nothing else the Runner sends) holds this text.</summary>
    private const string ClaimSql = "started_at - queued_at";

    private static Dictionary<string, string?> Through(string connectionString, params (string Key, string Value)[] more)
    {
        var settings = Settings(more);
        settings["NARWHAL_POSTGRES"] = connectionString;
        return settings;
    }

    [Test]
    public async Task When_the_claims_answer_is_lost_after_it_committed_Should_execute_the_run_once_under_that_attempt()
    {
        var (proxy, connectionString) = TcpFaultProxy.ForPostgres(Stack.Database.ConnectionString);
        await using var _ = proxy;
        var cut = proxy.CutReplyTo(ClaimSql, "UPDATE 1");
        await Client.PutClassJobAsync("claim-cut", "small", "echo executed-once");
        await Stack.StartRunnerAsync("claim-cut-runner", Through(connectionString));

        var run = await Client.TriggerIdAsync("claim-cut");
        await cut.WaitAsync(TimeSpan.FromSeconds(60));
        var done = await Client.WaitForRunEndAsync(run.ToString(), TimeSpan.FromSeconds(90));

        Assert.That(done.Str("status"), Is.EqualTo("succeeded"), "the retried claim found the run under its own attempt and executed it");
        Assert.That(done.GetProperty("attempt").GetInt32(), Is.EqualTo(1));
        var log = await Client.GetStringAsync($"/runs/{run}/results/console");
        Assert.That(log.Split("executed-once").Length - 1, Is.EqualTo(1), "the script ran once");
    }

    [Test]
    public async Task When_the_database_is_away_as_a_run_ends_Should_record_its_outcome_when_it_returns_and_never_call_it_lost()
    {
        var (proxy, connectionString) = TcpFaultProxy.ForPostgres(Stack.Database.ConnectionString);
        await using var _ = proxy;
        await Client.PutClassJobAsync("outage-end", "small", "echo before", "sleep 2", "echo after");
        // A Dispatcher (not behind the proxy) that calls a run lost after 5 s without its Runner listing it.
        await Stack.StartDispatcherAsync(Settings(("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", "1"), ("NARWHAL_RUNNER_OFFLINE_SECONDS", "5"),
            ("NARWHAL_FLEET_CHECK_SECONDS", "0.5")));
        await Stack.StartRunnerAsync("outage-runner", Through(connectionString, ("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", "1"),
            ("NARWHAL_RUNNER_CONTROL_CHECK", "0.5")));

        var run = await Client.TriggerIdAsync("outage-end");
        await ContainerWait.UntilRunningAsync(run.ToString());
        proxy.Refuse();
        // The fault's length, not a wait for something to happen: longer than the Dispatcher's offline
        // timeout and past the script's end, so the final write meets no database.
        await Task.Delay(TimeSpan.FromSeconds(12));
        var during = await Stack.RunStateAsync(run);
        proxy.Restore();
        var done = await Client.WaitForRunEndAsync(run.ToString(), TimeSpan.FromSeconds(120));

        Assert.That(during.Status, Is.EqualTo("running"), "during the outage the Runner kept listing the run: not lost");
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"), done.ToString());
        var log = await Client.GetStringAsync($"/runs/{run}/results/console");
        Assert.That(log, Does.Contain("after"), "the uploaded console log is readable");
    }
}
