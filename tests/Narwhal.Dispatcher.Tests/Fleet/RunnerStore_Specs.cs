using System.Text.RegularExpressions;
using Narwhal.Core.Fleet;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Fleet;

/// <summary>
/// The runner registry in Postgres: heartbeats stamped with the database's clock, older ones
/// ignored, a restarted Runner (sequence back to 1) taken, silence turned into offline once.
/// </summary>
[TestFixture]
public sealed class RunnerStore_Specs : DatabaseFixture
{
    private RunnerStore _store = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _store = new RunnerStore(Database.DataSource);
    }

    [Test]
    public async Task When_a_runner_sends_its_first_heartbeat_Should_register_it_online()
    {
        var outcome = await _store.UpsertHeartbeatAsync(Heartbeats.Of("first"), CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(HeartbeatOutcome.Registered));
        var runner = (await _store.GetAsync("first", CancellationToken.None))!;
        var dbNow = await Database.ScalarAsync<DateTime>("SELECT now()");
        Assert.That(runner.State, Is.EqualTo(RunnerState.Online));
        Assert.That(runner.LastSeenAt.UtcDateTime, Is.EqualTo(dbNow).Within(TimeSpan.FromSeconds(5)));
        Assert.That(runner.Classes, Is.EqualTo(new[] { "small" }));
        Assert.That(runner.QuotaMemoryTotal, Is.EqualTo(4096));
        Assert.That(runner.HeartbeatSequence, Is.EqualTo(1));
    }

    [Test]
    public async Task When_a_heartbeat_is_read_long_after_it_was_sent_Should_count_the_runner_seen_when_it_was_sent()
    {
        // A backlog read by a Dispatcher that restarted: the Runner died 29 s ago, its last word is read now.
        var sentAt = DateTimeOffset.UtcNow.AddSeconds(-29);
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("died-29s-ago", sentAt: sentAt), CancellationToken.None);

        var runner = (await _store.GetAsync("died-29s-ago", CancellationToken.None))!;
        Assert.That(runner.LastSeenAt, Is.EqualTo(sentAt).Within(TimeSpan.FromMilliseconds(1)));
        var offline = await _store.MarkSilentOfflineAsync(TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.That(offline.Select(r => r.Id), Does.Contain("died-29s-ago"), "silent for 29 s by its own last word: offline at once");
    }

    [Test]
    public async Task When_a_heartbeat_says_it_was_sent_in_the_future_Should_count_it_seen_now()
    {
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("ahead", sentAt: DateTimeOffset.UtcNow.AddHours(1)), CancellationToken.None);

        var runner = (await _store.GetAsync("ahead", CancellationToken.None))!;
        var dbNow = await Database.ScalarAsync<DateTime>("SELECT now()");
        Assert.That(runner.LastSeenAt.UtcDateTime, Is.EqualTo(dbNow).Within(TimeSpan.FromSeconds(5)), "never later than the database's now()");
    }

    [Test]
    public async Task When_a_runner_says_it_drains_Should_record_it_draining()
    {
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("drainer", sequence: 1), CancellationToken.None);
        Assert.That(await _store.UpsertHeartbeatAsync(Heartbeats.Of("drainer", sequence: 2, draining: true), CancellationToken.None),
            Is.EqualTo(HeartbeatOutcome.Recorded));
        Assert.That((await _store.GetAsync("drainer", CancellationToken.None))!.State, Is.EqualTo(RunnerState.Draining));
    }

    [Test]
    public async Task When_an_older_heartbeat_of_the_same_process_arrives_late_Should_ignore_it()
    {
        var now = DateTimeOffset.UtcNow;
        var running = Guid.NewGuid();
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("reordered", sequence: 7, sentAt: now, running: [running]), CancellationToken.None);

        var outcome = await _store.UpsertHeartbeatAsync(Heartbeats.Of("reordered", sequence: 6, sentAt: now.AddSeconds(-5)), CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(HeartbeatOutcome.Stale));
        var runner = (await _store.GetAsync("reordered", CancellationToken.None))!;
        Assert.That(runner.HeartbeatSequence, Is.EqualTo(7));
        Assert.That(runner.RunningRunIds, Is.EqualTo(new[] { running }));
    }

    [Test]
    public async Task When_a_restarted_runner_starts_its_sequence_again_Should_take_its_heartbeats()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("restarted", sequence: 500, sentAt: now.AddMinutes(-1)), CancellationToken.None);

        var outcome = await _store.UpsertHeartbeatAsync(Heartbeats.Of("restarted", sequence: 1, sentAt: now), CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(HeartbeatOutcome.Recorded));
        Assert.That((await _store.GetAsync("restarted", CancellationToken.None))!.HeartbeatSequence, Is.EqualTo(1));
    }

    [Test]
    public async Task When_a_runner_falls_silent_Should_mark_it_offline_once_and_online_again_when_it_returns()
    {
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("silent", sequence: 1), CancellationToken.None);
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("chatty", sequence: 1), CancellationToken.None);
        await Database.ExecuteAsync("UPDATE runners SET last_seen_at = now() - interval '31 seconds' WHERE id = 'silent'");

        var offline = await _store.MarkSilentOfflineAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.That(offline.Select(r => r.Id), Is.EqualTo(new[] { "silent" }));
        Assert.That(offline[0].State, Is.EqualTo(RunnerState.Offline));
        Assert.That(offline[0].OfflineAt, Is.Not.Null);
        Assert.That(await _store.MarkSilentOfflineAsync(TimeSpan.FromSeconds(30), CancellationToken.None), Is.Empty, "reported once");

        Assert.That(await _store.UpsertHeartbeatAsync(Heartbeats.Of("silent", sequence: 2), CancellationToken.None), Is.EqualTo(HeartbeatOutcome.Returned));
        var back = (await _store.GetAsync("silent", CancellationToken.None))!;
        Assert.That(back.State, Is.EqualTo(RunnerState.Online));
        Assert.That(back.OfflineAt, Is.Null);
    }

    [Test]
    public async Task When_a_drain_is_requested_Should_record_the_first_request_and_refuse_unknown_runners()
    {
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("to-drain"), CancellationToken.None);

        Assert.That(await _store.RequestDrainAsync("to-drain", "alice", CancellationToken.None), Is.True);
        Assert.That(await _store.RequestDrainAsync("to-drain", "bob", CancellationToken.None), Is.True);
        Assert.That(await _store.RequestDrainAsync("nobody", "alice", CancellationToken.None), Is.False);

        var runner = (await _store.GetAsync("to-drain", CancellationToken.None))!;
        Assert.That(runner.DrainRequestedBy, Is.EqualTo("alice"));
        Assert.That(runner.DrainRequestedAt, Is.Not.Null);
    }

    [Test]
    public async Task When_listing_Should_return_every_runner_by_id()
    {
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("list-b"), CancellationToken.None);
        await _store.UpsertHeartbeatAsync(Heartbeats.Of("list-a"), CancellationToken.None);
        var ids = (await _store.ListAsync(CancellationToken.None)).Select(r => r.Id).Where(id => id.StartsWith("list-")).ToList();
        Assert.That(ids, Is.EqualTo(new[] { "list-a", "list-b" }));
    }

    [Test]
    public void When_compared_with_the_runners_state_check_constraint_Should_list_the_same_names()
    {
        var sql = Migrator.Embedded().Single(m => m.Name == "0006_runners.sql").Sql;
        var check = Regex.Match(sql, @"state\s+text\s+NOT NULL\s+CHECK\s*\(\s*state\s+IN\s*\(([^)]*)\)\s*\)", RegexOptions.IgnoreCase);
        Assert.That(check.Success, Is.True, "the runners.state CHECK constraint was not found in 0006_runners.sql");
        var inSql = Regex.Matches(check.Groups[1].Value, "'([^']*)'").Select(m => m.Groups[1].Value).ToList();
        Assert.That(inSql, Is.EquivalentTo(RunnerStateNames.All));
        Assert.That(Enum.GetValues<RunnerState>().Select(s => RunnerStateNames.Parse(s.Name())), Is.EqualTo(Enum.GetValues<RunnerState>()));
    }
}
