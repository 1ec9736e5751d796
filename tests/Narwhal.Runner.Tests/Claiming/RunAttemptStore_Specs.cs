using Narwhal.Core.Runs;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Claiming;

/// <summary>Claiming and fencing on the real Postgres: the guarantees "never twice" and "stale writes refused" rest here.</summary>
[TestFixture]
public sealed class RunAttemptStore_Specs
{
    private TestDatabase _db = null!;
    private RunAttemptStore _attempts = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _db = await TestDatabase.CreateAsync();
        _attempts = new RunAttemptStore(_db.DataSource);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _db.DisposeAsync();

    [Test]
    public async Task When_many_runners_claim_one_run_at_once_Should_let_exactly_one_win()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, "race");

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => _attempts.ClaimAsync(run.Id, $"runner-{i}", CancellationToken.None))));

        Assert.That(results.Count(r => r.Claimed is not null), Is.EqualTo(1));
        Assert.That(results.Where(r => r.Claimed is null).Select(r => r.FoundStatus), Is.All.EqualTo(RunStatus.Running));
        var winner = results.Single(r => r.Claimed is not null).Claimed!;
        Assert.That(winner.Run.Attempt, Is.EqualTo(1));
        Assert.That(await _db.ScalarAsync<int>("SELECT attempt FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo(1));
        Assert.That(await _db.ScalarAsync<string>("SELECT runner_id FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo(winner.Run.RunnerId));
    }

    [Test]
    public async Task When_a_run_is_no_longer_queued_Should_not_be_claimed_again()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, "claimed-once");
        var first = await _attempts.ClaimAsync(run.Id, "a", CancellationToken.None);
        await _attempts.FinishAsync(run.Id, first.Claimed!.AttemptId, new RunCompletion { Status = RunStatus.Succeeded, ExitCode = 0 }, CancellationToken.None);

        var again = await _attempts.ClaimAsync(run.Id, "b", CancellationToken.None);

        Assert.That(again.Claimed, Is.Null);
        Assert.That(again.FoundStatus, Is.EqualTo(RunStatus.Succeeded));
    }

    [Test]
    public async Task When_an_attempt_was_superseded_Should_refuse_its_write_and_keep_the_run_as_it_is()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, "fenced");
        var claim = (await _attempts.ClaimAsync(run.Id, "cut-off-runner", CancellationToken.None)).Claimed!;
        // What the lost-run handling of 5/7 does: the run gets a new current attempt.
        await _db.ExecuteAsync("UPDATE runs SET attempt_id = @newAttempt, attempt = attempt + 1 WHERE id = @id",
            new { id = run.Id, newAttempt = Guid.NewGuid() });

        var write = () => _attempts.FinishAsync(run.Id, claim.AttemptId, new RunCompletion { Status = RunStatus.Succeeded, ExitCode = 0 }, CancellationToken.None);

        var refused = Assert.ThrowsAsync<StaleAttemptException>(async () => await write());
        Assert.That(refused!.AttemptId, Is.EqualTo(claim.AttemptId));
        Assert.That(await _db.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo("running"));
        Assert.That(await _attempts.IsCurrentAsync(run.Id, claim.AttemptId, CancellationToken.None), Is.False);
    }

    [Test]
    public async Task When_a_run_already_ended_Should_refuse_a_second_finish_of_the_same_attempt()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, "finished-once");
        var claim = (await _attempts.ClaimAsync(run.Id, "r", CancellationToken.None)).Claimed!;
        await _attempts.FinishAsync(run.Id, claim.AttemptId, new RunCompletion { Status = RunStatus.Failed, ExitCode = 1 }, CancellationToken.None);

        Assert.ThrowsAsync<StaleAttemptException>(async () => await _attempts.FinishAsync(run.Id, claim.AttemptId,
            new RunCompletion { Status = RunStatus.Succeeded, ExitCode = 0 }, CancellationToken.None));
        Assert.That(await _db.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo("failed"));
    }
}
