using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Fleet;
using Narwhal.Runner.Claiming;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Fleet;

/// <summary>
/// The global maximum duration: a run still running past it is found and ended timed_out, fenced by
/// its attempt. A pipeline run (no Runner of its own) is never overdue itself; its steps are, and
/// the run ends with them.
/// </summary>
[TestFixture]
public sealed class OverdueRunStore_Specs : DatabaseFixture
{
    private static readonly TimeSpan Limit = TimeSpan.FromHours(1);
    private OverdueRunStore _overdue = null!;
    private RunAttemptStore _attempts = null!;
    private int _jobs;

    [OneTimeSetUp]
    public void Start()
    {
        _overdue = new OverdueRunStore(Database.DataSource);
        _attempts = new RunAttemptStore(Database.DataSource);
    }

    private async Task<ClaimedRun> RunningAsync(TimeSpan startedAgo)
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(Database.DataSource, $"overdue-{Interlocked.Increment(ref _jobs)}");
        var claimed = (await _attempts.ClaimAsync(run.Id, "slow-runner", CancellationToken.None)).Claimed!;
        await Database.ExecuteAsync("UPDATE runs SET started_at = now() - make_interval(secs => @s) WHERE id = @id",
            new { id = run.Id, s = startedAgo.TotalSeconds });
        return claimed;
    }

    private async Task<OverdueRun?> FindAsync(Guid runId) =>
        (await _overdue.FindAsync(Limit, 1000, CancellationToken.None)).SingleOrDefault(r => r.RunId == runId);

    private Task<string> StatusAsync(Guid runId) => Database.ScalarAsync<string>("SELECT status FROM runs WHERE id = @runId", new { runId });

    [Test]
    public async Task When_a_run_is_running_past_the_maximum_Should_find_it_and_end_it_timed_out_once()
    {
        var run = await RunningAsync(TimeSpan.FromHours(2));
        var recent = await RunningAsync(TimeSpan.FromMinutes(10));

        var overdue = await FindAsync(run.Run.Id);
        Assert.That(overdue?.AttemptId, Is.EqualTo(run.AttemptId));
        Assert.That(await FindAsync(recent.Run.Id), Is.Null);

        Assert.That(await _overdue.EndAsync(overdue!, "Ran past the maximum.", CancellationToken.None), Is.True);
        Assert.That(await _overdue.EndAsync(overdue!, "Ran past the maximum.", CancellationToken.None), Is.False, "no longer running");
        Assert.That(await StatusAsync(run.Run.Id), Is.EqualTo(RunStatus.TimedOut.Name()));
    }

    [Test]
    public async Task When_a_pipeline_run_is_running_past_the_maximum_Should_not_be_found_but_its_step_should()
    {
        var parent = await RunningAsync(TimeSpan.FromHours(3));
        var step = await RunningAsync(TimeSpan.FromHours(2));
        await PipelineStepRows.MakeAsync(Database, parent.Run.Id, step.Run.Id);

        Assert.That(await FindAsync(parent.Run.Id), Is.Null);
        var overdue = await FindAsync(step.Run.Id);
        Assert.That(overdue, Is.Not.Null);

        Assert.That(await _overdue.EndAsync(overdue!, "Ran past the maximum.", CancellationToken.None), Is.True);

        Assert.That(await StatusAsync(parent.Run.Id), Is.EqualTo(RunStatus.TimedOut.Name()), "the database ended the run with its last step");
    }
}
