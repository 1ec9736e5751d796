using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Github.Statuses;
using Narwhal.Runner.Claiming;
using Narwhal.Testing;
using Narwhal.Testing.Github;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Github;

/// <summary>
/// What the database records for commit statuses (migrations/0009) and how reporters claim it: one
/// row per status change of a run that reports, only the newest of a run posted, never two of one run
/// at once, never one update to two reporters, and an end to retrying.
/// </summary>
[TestFixture]
public sealed class CommitStatusStore_Specs : DatabaseFixture
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private CommitStatusStore _store = null!;
    private RunAttemptStore _attempts = null!;
    private int _jobs;

    [OneTimeSetUp]
    public async Task Start()
    {
        _store = new CommitStatusStore(Database.DataSource);
        _attempts = new RunAttemptStore(Database.DataSource);
    }

    [SetUp]
    public async Task ForgetOtherTestsUpdates() =>
        await Database.ExecuteAsync("UPDATE commit_status_updates SET done_at = now(), outcome = 'skipped' WHERE done_at IS NULL");

    private async Task<Job> JobAsync(JobSpec? spec = null) =>
        (await new JobStore(Database.DataSource).SaveAsync($"job-{Interlocked.Increment(ref _jobs)}", spec ?? RunSeeder.Freestyle(), CancellationToken.None)).Job;

    private static JobSpec GitJob(bool commitStatuses, bool stepStatuses = false) => new()
    {
        Type = JobType.Git,
        ResourceClass = "small",
        Git = new GitSource { Url = "https://github.com/acme/app.git" },
        Github = new GithubSettings { CommitStatuses = commitStatuses, StepStatuses = stepStatuses },
    };

    private async Task<Run> RunAsync(Job job, string? sha, GithubTrigger? github) =>
        (await new RunStore(Database.DataSource, TimeProvider.System).CreateAsync(new NewRun
        {
            JobId = job.Id,
            JobName = job.Name,
            ResourceClass = "small",
            CommitSha = sha,
            Branch = sha is null ? "main" : null,
            Parameters = new Dictionary<string, string>(),
            Trigger = github is null ? new RunTrigger { Kind = TriggerKind.Api } : new RunTrigger { Kind = TriggerKind.Github, Github = github },
        }, CancellationToken.None)).Run!;

    private Task<Run> GithubRunAsync(Job job) => RunAsync(job, GithubRuns.RandomSha(), GithubRuns.PullRequest("acme/app", 1));

    private async Task<List<(string RunStatus, string? Outcome)>> RowsAsync(Guid runId)
    {
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        return (await Dapper.SqlMapper.QueryAsync<(string, string?)>(connection,
            "SELECT run_status, outcome FROM commit_status_updates WHERE run_id = @runId ORDER BY id", new { runId })).ToList();
    }

    private async Task FinishAsync(Run run, RunStatus status)
    {
        var claimed = (await _attempts.ClaimAsync(run.Id, "r1", CancellationToken.None)).Claimed!;
        await _attempts.FinishAsync(run.Id, claimed.AttemptId, new RunCompletion { Status = status, ExitCode = 0 }, CancellationToken.None);
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task When_a_pipeline_step_changes_status_Should_report_it_under_its_own_context_only_when_the_job_asks(bool stepStatuses)
    {
        var job = await JobAsync(GitJob(commitStatuses: true, stepStatuses));
        var pipeline = await GithubRunAsync(job);
        var step = await GithubRunAsync(job);
        await Fleet.PipelineStepRows.MakeAsync(Database, pipeline.Id, step.Id);
        var before = (await RowsAsync(step.Id)).Count;

        // As a Runner's claim and finish would (the seeded step has no definition a Runner could execute).
        await Database.ExecuteAsync("UPDATE runs SET status = 'running', started_at = now() WHERE id = @id", new { id = step.Id });
        await Database.ExecuteAsync("UPDATE runs SET status = 'succeeded', exit_code = 0, finished_at = now() WHERE id = @id", new { id = step.Id });

        var rows = (await RowsAsync(step.Id)).Skip(before).Select(r => r.RunStatus).ToList();
        if (!stepStatuses)
        {
            Assert.That(rows, Is.Empty, "a step reports only when its job asks for statuses per step");
            return;
        }
        Assert.That(rows, Is.EqualTo(new[] { "running", "succeeded" }));
        var claimed = (await _store.ClaimAsync(50, Lease, CancellationToken.None)).Where(u => u.RunId == step.Id).ToList();
        Assert.That(claimed, Has.Count.EqualTo(1), "only the newest of the step is posted");
        Assert.That(claimed[0].StepKey, Is.EqualTo(Fleet.PipelineStepRows.StepKey));
        var status = CommitStatusMapping.From(claimed[0], new Uri("https://ci.example.com/"));
        Assert.That(status.Context, Is.EqualTo($"narwhal/{job.Name}/{Fleet.PipelineStepRows.StepKey}"));
        Assert.That(status.Description, Does.StartWith($"#{step.Number} {Fleet.PipelineStepRows.StepKey} succeeded"));
        Assert.That(status.TargetUrl, Is.EqualTo($"https://ci.example.com/ui/runs/{pipeline.Id}"), "a step's page is its run's");
    }

    [Test]
    public async Task When_a_run_from_github_changes_status_Should_record_each_change()
    {
        var run = await GithubRunAsync(await JobAsync());
        await FinishAsync(run, RunStatus.Succeeded);

        Assert.That((await RowsAsync(run.Id)).Select(r => r.RunStatus), Is.EqualTo(new[] { "queued", "running", "succeeded" }));
    }

    [Test]
    public async Task When_a_run_neither_comes_from_github_nor_opted_in_Should_record_nothing()
    {
        var freestyle = await RunAsync(await JobAsync(), GithubRuns.RandomSha(), github: null);
        var optedOut = await RunAsync(await JobAsync(GitJob(commitStatuses: false)), GithubRuns.RandomSha(), github: null);
        await FinishAsync(freestyle, RunStatus.Succeeded);

        Assert.That(await RowsAsync(freestyle.Id), Is.Empty);
        Assert.That(await RowsAsync(optedOut.Id), Is.Empty);
    }

    [Test]
    public async Task When_a_job_opts_in_and_its_run_learns_its_commit_later_Should_record_from_then_on()
    {
        var run = await RunAsync(await JobAsync(GitJob(commitStatuses: true)), sha: null, github: null);
        var claimed = (await _attempts.ClaimAsync(run.Id, "r1", CancellationToken.None)).Claimed!;
        Assert.That(await RowsAsync(run.Id), Is.Empty, "no commit yet: nothing to report on");

        await _attempts.RecordCommitAsync(run.Id, claimed.AttemptId, GithubRuns.RandomSha(), CancellationToken.None);
        await _attempts.FinishAsync(run.Id, claimed.AttemptId, new RunCompletion { Status = RunStatus.Failed, ExitCode = 1 }, CancellationToken.None);

        Assert.That((await RowsAsync(run.Id)).Select(r => r.RunStatus), Is.EqualTo(new[] { "running", "failed" }));
    }

    [Test]
    public async Task When_several_updates_of_a_run_wait_Should_claim_only_the_newest_and_supersede_the_rest()
    {
        var run = await GithubRunAsync(await JobAsync());
        await FinishAsync(run, RunStatus.Failed);

        var claimed = await _store.ClaimAsync(10, Lease, CancellationToken.None);

        Assert.That(claimed.Single().RunStatus, Is.EqualTo(RunStatus.Failed));
        Assert.That(await RowsAsync(run.Id), Is.EqualTo(new (string, string?)[] { ("queued", "superseded"), ("running", "superseded"), ("failed", null) }));
    }

    [Test]
    public async Task When_an_update_of_a_run_is_being_posted_Should_hold_back_the_next_until_it_is_done()
    {
        var run = await GithubRunAsync(await JobAsync());
        var pending = (await _store.ClaimAsync(10, Lease, CancellationToken.None)).Single();
        await FinishAsync(run, RunStatus.Succeeded);

        Assert.That(await _store.ClaimAsync(10, Lease, CancellationToken.None), Is.Empty,
            "posting the final state now could land before the pending one: GitHub would show pending");

        await _store.CompleteAsync(pending.Id, CommitStatusOutcome.Posted, null, CancellationToken.None);
        var next = (await _store.ClaimAsync(10, Lease, CancellationToken.None)).Single();
        Assert.That(next.RunStatus, Is.EqualTo(RunStatus.Succeeded));
        Assert.That((await RowsAsync(run.Id)).Select(r => r.Outcome), Is.EqualTo(new string?[] { "posted", "superseded", null }));
    }

    [Test]
    public async Task When_two_reporters_claim_at_once_Should_never_get_the_same_update()
    {
        var job = await JobAsync();
        var runs = new List<Guid>();
        for (var i = 0; i < 12; i++) runs.Add((await GithubRunAsync(job)).Id);

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _store.ClaimAsync(5, Lease, CancellationToken.None)));

        var ids = claims.SelectMany(c => c).Select(u => u.Id).ToList();
        Assert.That(ids, Is.Unique);
        Assert.That(claims.SelectMany(c => c).Select(u => u.RunId), Is.EquivalentTo(runs));
    }

    [Test]
    public async Task When_a_reporter_died_holding_a_claim_Should_free_it_when_the_lease_runs_out()
    {
        var run = await GithubRunAsync(await JobAsync());
        await _store.ClaimAsync(10, TimeSpan.FromMilliseconds(1), CancellationToken.None);

        var again = await Eventually.UntilAsync(() => _store.ClaimAsync(10, Lease, CancellationToken.None), c => c.Count > 0, "the lease to run out");

        Assert.That(again.Single().RunId, Is.EqualTo(run.Id));
        Assert.That(again.Single().Attempts, Is.EqualTo(2));
    }

    [Test]
    public async Task When_a_post_fails_Should_wait_before_the_next_attempt_and_give_up_after_the_give_up_time()
    {
        var run = await GithubRunAsync(await JobAsync());
        var update = (await _store.ClaimAsync(10, Lease, CancellationToken.None)).Single();

        var gaveUp = await _store.RetryLaterAsync(update.Id, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30), "502 Bad Gateway", CancellationToken.None);
        Assert.That(gaveUp, Is.False);
        Assert.That(await _store.ClaimAsync(10, Lease, CancellationToken.None), Is.Empty, "not before its next attempt");

        await Database.ExecuteAsync("UPDATE commit_status_updates SET next_attempt_at = now() WHERE id = @id", new { id = update.Id });
        var retry = (await _store.ClaimAsync(10, Lease, CancellationToken.None)).Single();
        gaveUp = await _store.RetryLaterAsync(retry.Id, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), "502 Bad Gateway", CancellationToken.None);

        Assert.That(gaveUp, Is.True, "the next attempt would come after the give-up time");
        Assert.That(await RowsAsync(run.Id), Is.EqualTo(new (string, string?)[] { ("queued", "gave_up") }));
    }

    [Test]
    public async Task When_no_reporter_posts_Should_expire_old_updates_so_none_accumulate()
    {
        var run = await GithubRunAsync(await JobAsync());
        await Database.ExecuteAsync("UPDATE commit_status_updates SET created_at = now() - interval '2 hours' WHERE run_id = @id", new { id = run.Id });

        var expired = await _store.ExpireAsync(TimeSpan.FromHours(1), "no token", CancellationToken.None);

        Assert.That(expired, Is.EqualTo(1));
        Assert.That(await RowsAsync(run.Id), Is.EqualTo(new (string, string?)[] { ("queued", "gave_up") }));
    }
}
