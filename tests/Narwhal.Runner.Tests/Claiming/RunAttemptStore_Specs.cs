using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
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
        // What the lost-run handling does: the run gets a new current attempt.
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

    [Test]
    public async Task When_a_claim_is_repeated_with_its_own_attempt_id_Should_claim_the_run_again_unchanged()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, "claim-retried");
        var attemptId = Guid.CreateVersion7();
        var first = await _attempts.ClaimTimedAsync(run.Id, "r", attemptId, CancellationToken.None);
        var startedAt = await _db.ScalarAsync<DateTime>("SELECT started_at FROM runs WHERE id = @id", new { id = run.Id });

        // The retry of a claim whose answer was lost: same delivery, same attempt id.
        var again = await _attempts.ClaimTimedAsync(run.Id, "r", attemptId, CancellationToken.None);

        Assert.That(first.Result.Claimed, Is.Not.Null);
        Assert.That(again.Result.Claimed, Is.Not.Null, "the run found running under its own attempt is this claim's to execute");
        Assert.That(again.Result.Claimed!.AttemptId, Is.EqualTo(attemptId));
        Assert.That(again.Result.Claimed.Run.Attempt, Is.EqualTo(1), "a repeated claim is not a new attempt");
        Assert.That(await _db.ScalarAsync<int>("SELECT attempt FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo(1));
        Assert.That(await _db.ScalarAsync<DateTime>("SELECT started_at FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo(startedAt));
        var other = await _attempts.ClaimTimedAsync(run.Id, "other", Guid.CreateVersion7(), CancellationToken.None);
        Assert.That(other.Result.Claimed, Is.Null, "another attempt id still finds the run taken");
    }

    [Test]
    public async Task When_an_unexecuted_claim_is_released_Should_queue_the_run_again_with_a_message_in_the_outbox()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, "released");
        var attemptId = Guid.CreateVersion7();
        await _attempts.ClaimTimedAsync(run.Id, "r", attemptId, CancellationToken.None);
        var outboxBefore = await _db.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @id", new { id = run.Id });

        var released = await _attempts.ReleaseAsync(run.Id, attemptId, TimeProvider.System, CancellationToken.None);
        var releasedAgain = await _attempts.ReleaseAsync(run.Id, attemptId, TimeProvider.System, CancellationToken.None);

        Assert.That(released, Is.True);
        Assert.That(releasedAgain, Is.False, "nothing of that attempt is left to release");
        Assert.That(await _db.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo("queued"));
        Assert.That(await _db.ScalarAsync<int>("SELECT attempt FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo(0));
        Assert.That(await _db.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @id", new { id = run.Id }), Is.EqualTo(outboxBefore + 1),
            "the run is delivered again whatever became of its message");
        var next = await _attempts.ClaimAsync(run.Id, "next", CancellationToken.None);
        Assert.That(next.Claimed!.Run.Attempt, Is.EqualTo(1));
    }

    [Test]
    public async Task When_a_finish_is_repeated_after_it_committed_Should_succeed_and_keep_the_outcome()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, "finish-retried");
        var claim = (await _attempts.ClaimAsync(run.Id, "r", CancellationToken.None)).Claimed!;
        var outcome = new RunCompletion { Status = RunStatus.Succeeded, ExitCode = 0, LogKey = "runs/x/console.log", LogSize = 3 };
        await _attempts.FinishAsync(run.Id, claim.AttemptId, outcome, CancellationToken.None);

        // The retry of a final write whose answer was lost.
        Assert.DoesNotThrowAsync(async () => await _attempts.FinishAsync(run.Id, claim.AttemptId, outcome, CancellationToken.None));
        Assert.That(await _db.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo("succeeded"));
    }

    [Test]
    public async Task When_a_run_ended_without_its_attempts_outcome_Should_still_attach_the_uploaded_log()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, "lost-with-log");
        var claim = (await _attempts.ClaimAsync(run.Id, "r", CancellationToken.None)).Claimed!;
        await _db.ExecuteAsync("UPDATE runs SET status = 'lost', finished_at = now() WHERE id = @id", new { id = run.Id });

        var attached = await _attempts.AttachLogAsync(run.Id, claim.AttemptId, "runs/l/console.log", 42, false, CancellationToken.None);
        var otherAttempt = await _attempts.AttachLogAsync(run.Id, Guid.NewGuid(), "runs/other.log", 1, false, CancellationToken.None);

        Assert.That(attached, Is.True);
        Assert.That(otherAttempt, Is.False);
        Assert.That(await _db.ScalarAsync<string>("SELECT log_key FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo("runs/l/console.log"));
        Assert.That(await _db.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id", new { id = run.Id }), Is.EqualTo("lost"));
    }
}
