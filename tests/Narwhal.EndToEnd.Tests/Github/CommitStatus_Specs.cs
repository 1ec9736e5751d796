using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Testing;
using Narwhal.Testing.Github;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests.Github;

/// <summary>
/// Commit statuses end to end: real runs on a real Runner, the Dispatcher posting to a local stand-in
/// for GitHub's API. pending while the run is active, then success, failure or error on the run's
/// commit under <c>narwhal/&lt;job&gt;</c> with a link to the run; GitHub's failures retried (a 502,
/// a 429's Retry-After) without posting anything twice; nothing for runs that do not report.
/// </summary>
[TestFixture]
public sealed class CommitStatus_Specs : StackFixture
{
    private const string PublicUrl = "https://ci.example.com";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private FakeGithubApi _github = null!;
    private readonly List<Uri> _dispatchers = [];

    [OneTimeSetUp]
    public async Task Start()
    {
        _github = await FakeGithubApi.StartAsync();
        await Stack.StartRunnerAsync("status-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_SLOTS"] = "4" });
        var settings = new Dictionary<string, string?>
        {
            ["NARWHAL_GITHUB_API_URL"] = _github.ApiUrl.ToString(),
            ["NARWHAL_GITHUB_TOKEN"] = "ghp_e2e_token",
            // Job URLs on github.com are GitHub repositories, although the API answers on loopback.
            ["NARWHAL_GITHUB_HOST"] = "github.com",
            ["NARWHAL_PUBLIC_URL"] = PublicUrl,
        };
        // Two replicas, as a production fleet may run: every test also checks nothing is posted twice.
        for (var i = 0; i < 2; i++)
            _dispatchers.Add(new Uri(TestStack.BoundAddress(await Stack.StartDispatcherAsync(settings))));
        var jobs = new JobStore(Stack.Database.DataSource);
        await jobs.SaveAsync("checks", RunSeeder.Freestyle("echo checking", "sleep 2", "echo fine"), CancellationToken.None);
        await jobs.SaveAsync("tests", RunSeeder.Freestyle("echo testing", "sleep 1", "exit 3"), CancellationToken.None);
        await jobs.SaveAsync("quiet", RunSeeder.Freestyle("echo nobody is told"), CancellationToken.None);
        // Class large has no Runner until its test starts one: its pending status is seen before the run can end.
        await jobs.SaveAsync("app", new JobSpec
        {
            Type = JobType.Git,
            ResourceClass = "large",
            Git = new GitSource { Url = "https://github.com/acme/app.git" },
            Github = new GithubSettings { CommitStatuses = true },
        }, CancellationToken.None);
    }

    protected override async Task AfterStackStoppedAsync() => await _github.DisposeAsync();

    private async Task<Run> EndedAsync(Run run) =>
        await Eventually.UntilAsync(() => new RunStore(Stack.Database.DataSource, TimeProvider.System).GetAsync(run.Id, CancellationToken.None),
            r => r is { Status: not (RunStatus.Queued or RunStatus.Running) }, $"run {run.Id} to end", Deadline) ?? throw new InvalidOperationException();

    /// <summary>Waits until GitHub has accepted a final (non-pending) status for the commit; returns every call for it.</summary>
    private async Task<IReadOnlyList<GithubCall>> UntilFinalPostedAsync(string sha)
    {
        var calls = await Eventually.UntilAsync(() => Task.FromResult(_github.CallsFor(sha)),
            calls => calls.Any(c => c.State != "pending" && c.Answered < 300), $"a final status on {sha}", Deadline);
        foreach (var call in calls) TestContext.Out.WriteLine($"{call.At:HH:mm:ss.fff} {call}");
        return calls;
    }

    private static void AssertPostedOnceEach(IReadOnlyList<GithubCall> calls)
    {
        var accepted = calls.Where(c => c.Answered < 300).ToList();
        Assert.That(accepted.GroupBy(c => (c.State, c.Description)).Where(g => g.Count() > 1).Select(g => g.Key), Is.Empty,
            $"no status posted twice: {string.Join(" | ", calls)}");
        Assert.That(accepted.Count(c => c.State != "pending"), Is.EqualTo(1), "one final status");
        Assert.That(accepted.Last().State, Is.Not.EqualTo("pending"), "the final status is the last word");
    }

    [Test]
    public async Task When_a_run_from_github_succeeds_Should_post_pending_then_success_on_its_commit()
    {
        var sha = GithubRuns.RandomSha();

        var run = await Stack.TriggerAsync("checks", sha, GithubRuns.PullRequest("acme/app", 7));
        Assert.That((await EndedAsync(run)).Status, Is.EqualTo(RunStatus.Succeeded));
        var calls = await UntilFinalPostedAsync(sha);

        AssertPostedOnceEach(calls);
        Assert.That(calls.First().State, Is.EqualTo("pending"), string.Join(" | ", calls));
        Assert.That(calls.Last().State, Is.EqualTo("success"));
        Assert.That(calls.Last().Description, Does.StartWith($"#{run.Number} succeeded"));
        Assert.That(calls, Has.All.Matches<GithubCall>(c =>
            c.Path == $"/api/v3/repos/acme/app/statuses/{sha}"
            && c.Context == "narwhal/checks"
            && c.TargetUrl == $"{PublicUrl}/ui/runs/{run.Id}"
            && c.Authorization == "Bearer ghp_e2e_token"));
    }

    [Test]
    public async Task When_many_runs_report_at_once_through_two_dispatchers_Should_post_each_status_once_and_end_on_the_final_one()
    {
        var shas = Enumerable.Range(0, 6).Select(_ => GithubRuns.RandomSha()).ToList();

        var runs = await Task.WhenAll(shas.Select((sha, i) => Stack.TriggerAsync(i % 2 == 0 ? "checks" : "tests", sha, GithubRuns.PullRequest("acme/app", 30 + i))));
        foreach (var run in runs) await EndedAsync(run);

        foreach (var sha in shas)
        {
            var calls = await UntilFinalPostedAsync(sha);
            AssertPostedOnceEach(calls);
        }
    }

    [Test]
    public async Task When_statuses_are_posted_Should_count_them_by_state_on_the_dispatchers_metrics()
    {
        var sha = GithubRuns.RandomSha();
        await EndedAsync(await Stack.TriggerAsync("checks", sha, GithubRuns.PullRequest("acme/app", 20)));
        await UntilFinalPostedAsync(sha);

        // Each replica counts what it posted itself: the fleet's figure is the sum.
        var posted = new List<Narwhal.Testing.Metrics.PrometheusTextParser.Sample>();
        foreach (var dispatcher in _dispatchers)
        {
            using var http = new HttpClient { BaseAddress = dispatcher };
            var metrics = Narwhal.Testing.Metrics.PrometheusTextParser.Parse(await http.GetStringAsync("/metrics"));
            if (!metrics.Families.TryGetValue("narwhal_github_statuses_posted_total", out var family)) continue;
            Assert.That(family.Type, Is.EqualTo("counter"));
            posted.AddRange(family.Samples);
        }

        Assert.That(posted.Where(s => s.Label("state") == "success").Sum(s => s.Value), Is.GreaterThanOrEqualTo(1));
        Assert.That(posted.Where(s => s.Label("state") == "pending").Sum(s => s.Value), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task When_a_run_from_github_fails_Should_post_failure_with_the_exit_code()
    {
        var sha = GithubRuns.RandomSha();

        var run = await Stack.TriggerAsync("tests", sha, GithubRuns.PullRequest("acme/app", 8));
        Assert.That((await EndedAsync(run)).Status, Is.EqualTo(RunStatus.Failed));
        var calls = await UntilFinalPostedAsync(sha);

        AssertPostedOnceEach(calls);
        Assert.That(calls.First().State, Is.EqualTo("pending"));
        Assert.That(calls.Last().State, Is.EqualTo("failure"));
        Assert.That(calls.Last().Description, Does.Contain("exit code 3"));
        Assert.That(calls.Last().Context, Is.EqualTo("narwhal/tests"));
    }

    [Test]
    public async Task When_github_answers_502_once_Should_retry_and_post_every_status_exactly_once()
    {
        var sha = GithubRuns.RandomSha();
        _github.AnswerNext(sha, new GithubAnswer(502));

        var run = await Stack.TriggerAsync("checks", sha, GithubRuns.PullRequest("acme/app", 9));
        await EndedAsync(run);
        var calls = await UntilFinalPostedAsync(sha);

        Assert.That(calls.First().Answered, Is.EqualTo(502));
        Assert.That(calls.Count(c => c.Answered == 502), Is.EqualTo(1));
        Assert.That(calls[1].State, Is.EqualTo(calls[0].State), "the refused status is the one posted next");
        AssertPostedOnceEach(calls);
        Assert.That(calls.Last().State, Is.EqualTo("success"));
    }

    [Test]
    public async Task When_github_answers_429_with_retry_after_Should_wait_that_long_and_keep_the_order()
    {
        var sha = GithubRuns.RandomSha();
        _github.AnswerNext(sha, new GithubAnswer(429, new Dictionary<string, string> { ["Retry-After"] = "2" },
            """{"message":"You have exceeded a secondary rate limit"}"""));

        var run = await Stack.TriggerAsync("checks", sha, GithubRuns.PullRequest("acme/app", 10));
        await EndedAsync(run);
        var calls = await UntilFinalPostedAsync(sha);

        Assert.That(calls[0].Answered, Is.EqualTo(429));
        // Timers may fire a tick early; the backoff alone would have waited about 1 s.
        Assert.That(calls[1].At - calls[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(20)),
            string.Join(" | ", calls.Select(c => $"{c.At:HH:mm:ss.fff} {c}")));
        AssertPostedOnceEach(calls);
        Assert.That(calls.Last().State, Is.EqualTo("success"), "the pending waiting for its retry never lands after the final state");
    }

    [Test]
    public async Task When_a_git_job_opts_into_commit_statuses_Should_report_to_the_repository_of_its_url()
    {
        var sha = GithubRuns.RandomSha();

        // Triggered through the API, not from GitHub. The fetch fails (github.com is out of reach in
        // tests, and the commit is made up), so the run ends error: reported as such.
        var run = await Stack.TriggerAsync("app", sha, trigger: null);
        await Eventually.UntilAsync(() => Task.FromResult(_github.CallsFor(sha).Any(c => c.State == "pending" && c.Answered < 300)),
            "the queued run's pending status", Deadline);
        await Stack.StartRunnerAsync("large-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_CLASSES"] = "large" });
        Assert.That((await EndedAsync(run)).Status, Is.EqualTo(RunStatus.Error));
        var calls = await UntilFinalPostedAsync(sha);

        AssertPostedOnceEach(calls);
        Assert.That(calls.First().State, Is.EqualTo("pending"));
        Assert.That(calls.Last().State, Is.EqualTo("error"));
        Assert.That(calls.Last().Description, Does.StartWith($"#{run.Number} error: Fetching commit {sha}"));
        Assert.That(calls, Has.All.Matches<GithubCall>(c => c.Path == $"/api/v3/repos/acme/app/statuses/{sha}" && c.Context == "narwhal/app"));
    }

    [Test]
    public async Task When_a_run_neither_comes_from_github_nor_opted_in_Should_post_nothing()
    {
        var quietSha = GithubRuns.RandomSha();
        var quiet = await Stack.TriggerAsync("quiet", quietSha, trigger: null);
        Assert.That((await EndedAsync(quiet)).Status, Is.EqualTo(RunStatus.Succeeded));

        // A run that does report, after it: once its final status is posted, the reporter has had its chance.
        var loudSha = GithubRuns.RandomSha();
        await EndedAsync(await Stack.TriggerAsync("checks", loudSha, GithubRuns.PullRequest("acme/app", 11)));
        await UntilFinalPostedAsync(loudSha);

        Assert.That(_github.CallsFor(quietSha), Is.Empty);
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM commit_status_updates WHERE run_id = @id", new { id = quiet.Id }),
            Is.Zero, "nothing was even recorded");
    }
}
