using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Github;
using Narwhal.Dispatcher.Github.Statuses;
using Narwhal.Testing;
using Narwhal.Testing.Github;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Github;

/// <summary>
/// What the reporter does with each recorded update (one pass, against a local stand-in for GitHub):
/// posts it to the right repository, skips runs with nowhere to report, drops refusals at once, and
/// gives up with a warning on an update that keeps failing past the give-up time.
/// </summary>
[TestFixture]
public sealed class CommitStatusReporter_Specs : DatabaseFixture
{
    private FakeGithubApi _github = null!;
    private ServiceProvider _services = null!;
    private readonly RecordingLogger<CommitStatusReporter> _log = new();
    private int _jobs;

    [OneTimeSetUp]
    public async Task Start()
    {
        _github = await FakeGithubApi.StartAsync();
        _services = new ServiceCollection().AddMetrics().AddSingleton<GithubMetrics>().BuildServiceProvider();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _services.DisposeAsync();
        await _github.DisposeAsync();
    }

    private CommitStatusReporter Reporter(TimeSpan? giveUpAfter = null)
    {
        var settings = new GithubStatusSettings
        {
            ApiUrl = _github.ApiUrl,
            Token = "ghp_test",
            Host = "github.com",
            PublicUrl = new Uri("https://ci.example.com"),
            GiveUpAfter = giveUpAfter ?? TimeSpan.FromMinutes(30),
        };
        var client = new GithubStatusClient(settings, TimeProvider.System, NullLogger<GithubStatusClient>.Instance,
            new GithubStatusPipelineOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10) });
        return new CommitStatusReporter(Database.DataSource, new CommitStatusStore(Database.DataSource), client, settings,
            _services.GetRequiredService<GithubMetrics>(), _log);
    }

    private async Task<Run> RunAsync(JobSpec spec, GithubTrigger? github)
    {
        var (job, _) = await new JobStore(Database.DataSource).SaveAsync($"job-{Interlocked.Increment(ref _jobs)}", spec, CancellationToken.None);
        return (await new RunStore(Database.DataSource, TimeProvider.System).CreateAsync(new NewRun
        {
            JobId = job.Id,
            JobName = job.Name,
            ResourceClass = "small",
            CommitSha = GithubRuns.RandomSha(),
            Parameters = new Dictionary<string, string>(),
            Trigger = github is null ? new RunTrigger { Kind = TriggerKind.Api } : new RunTrigger { Kind = TriggerKind.Github, Github = github },
        }, CancellationToken.None)).Run!;
    }

    private static JobSpec GitJob(string url) => new()
    {
        Type = JobType.Git,
        ResourceClass = "small",
        Git = new GitSource { Url = url },
        Github = new GithubSettings { CommitStatuses = true },
    };

    private Task<string?> OutcomeAsync(Guid runId) =>
        Database.ScalarAsync<string?>("SELECT outcome FROM commit_status_updates WHERE run_id = @runId ORDER BY id DESC LIMIT 1", new { runId });

    [Test]
    public async Task When_a_run_from_github_is_recorded_Should_post_pending_to_the_webhooks_repository_with_a_link()
    {
        var run = await RunAsync(RunSeeder.Freestyle(), GithubRuns.PullRequest("acme/web", 4, fork: "mallory/web"));

        await Reporter().DrainOnceAsync(CancellationToken.None);

        var call = _github.CallsFor(run.CommitSha!).Single();
        Assert.That(call.Path, Is.EqualTo($"/api/v3/repos/acme/web/statuses/{run.CommitSha}"), "a fork's pull request reports to the base repository");
        Assert.That((call.State, call.Description, call.Context), Is.EqualTo(("pending", $"#{run.Number} queued", $"narwhal/{run.JobName}")));
        Assert.That(call.TargetUrl, Is.EqualTo($"https://ci.example.com/ui/runs/{run.Id}"));
        Assert.That(await OutcomeAsync(run.Id), Is.EqualTo("posted"));
    }

    [Test]
    public async Task When_an_opted_in_jobs_url_is_on_the_github_host_Should_post_to_that_repository()
    {
        var run = await RunAsync(GitJob("git@github.com:acme/api.git"), github: null);

        await Reporter().DrainOnceAsync(CancellationToken.None);

        Assert.That(_github.CallsFor(run.CommitSha!).Single().Path, Is.EqualTo($"/api/v3/repos/acme/api/statuses/{run.CommitSha}"));
    }

    [Test]
    public async Task When_an_opted_in_jobs_url_is_elsewhere_Should_skip_it_without_calling_github()
    {
        var run = await RunAsync(GitJob("https://gitlab.example.com/acme/app.git"), github: null);

        await Reporter().DrainOnceAsync(CancellationToken.None);

        Assert.That(_github.CallsFor(run.CommitSha!), Is.Empty);
        Assert.That(await OutcomeAsync(run.Id), Is.EqualTo("skipped"));
    }

    [Test]
    public async Task When_the_job_turned_commit_statuses_off_since_Should_post_nothing_more()
    {
        var run = await RunAsync(GitJob("https://github.com/acme/app.git"), github: null);
        await new JobStore(Database.DataSource).SaveAsync(run.JobName, GitJob("https://github.com/acme/app.git") with { Github = null }, CancellationToken.None);

        await Reporter().DrainOnceAsync(CancellationToken.None);

        Assert.That(_github.CallsFor(run.CommitSha!), Is.Empty);
        Assert.That(await OutcomeAsync(run.Id), Is.EqualTo("skipped"));
    }

    [Test]
    public async Task When_github_refuses_Should_drop_the_update_at_once_and_log_why()
    {
        var run = await RunAsync(RunSeeder.Freestyle(), GithubRuns.PullRequest("acme/gone", 1));
        _github.AnswerNext(run.CommitSha!, new GithubAnswer(404, Body: """{"message":"Not Found"}"""));

        await Reporter().DrainOnceAsync(CancellationToken.None);

        Assert.That(_github.CallsFor(run.CommitSha!), Has.Count.EqualTo(1));
        Assert.That(await OutcomeAsync(run.Id), Is.EqualTo("refused"));
        Assert.That(_log.Lines, Has.Some.Contains("GitHub refused").And.Contains("404 Not Found: Not Found").And.Contains(run.Id.ToString()));
    }

    [Test]
    public async Task When_github_keeps_failing_past_the_give_up_time_Should_drop_the_update_with_a_warning()
    {
        var run = await RunAsync(RunSeeder.Freestyle(), GithubRuns.PullRequest("acme/down", 1));
        _github.AnswerNext(run.CommitSha!, Enumerable.Repeat(new GithubAnswer(503), 10).ToArray());

        // Gives up when the next attempt (5 s of backoff) would come after the give-up time.
        await Reporter(giveUpAfter: TimeSpan.FromSeconds(3)).DrainOnceAsync(CancellationToken.None);

        Assert.That(_github.CallsFor(run.CommitSha!), Has.Count.EqualTo(2), "the call and the pipeline's one retry");
        Assert.That(await OutcomeAsync(run.Id), Is.EqualTo("gave_up"));
        Assert.That(_log.Lines, Has.Some.Contains("Gave up posting the pending status").And.Contains("503"));
    }

    [Test]
    public async Task When_github_fails_within_the_give_up_time_Should_keep_the_update_for_a_later_attempt()
    {
        var run = await RunAsync(RunSeeder.Freestyle(), GithubRuns.PullRequest("acme/flaky", 1));
        _github.AnswerNext(run.CommitSha!, new GithubAnswer(503), new GithubAnswer(503));

        await Reporter().DrainOnceAsync(CancellationToken.None);

        Assert.That(await OutcomeAsync(run.Id), Is.Null, "still open");
        Assert.That(await Database.ScalarAsync<bool>("SELECT next_attempt_at > now() FROM commit_status_updates WHERE run_id = @id", new { id = run.Id }), Is.True);
        await Database.ExecuteAsync("UPDATE commit_status_updates SET next_attempt_at = now() WHERE run_id = @id", new { id = run.Id });

        await Reporter().DrainOnceAsync(CancellationToken.None);

        Assert.That(await OutcomeAsync(run.Id), Is.EqualTo("posted"));
        Assert.That(_github.CallsFor(run.CommitSha!).Select(c => c.Answered), Is.EqualTo(new[] { 503, 503, 201 }));
    }
}
