using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Dispatcher.Github;
using Narwhal.Dispatcher.Github.Statuses;
using Narwhal.Testing.Github;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Github;

/// <summary>
/// One status post against a local stand-in for GitHub's API: the request GitHub expects, retries of
/// 5xx and rate limits with GitHub's own waits, an immediate stop on a refusal, and a bounded end
/// (never an exception) when GitHub stays unavailable.
/// </summary>
[TestFixture]
public sealed class GithubStatusClient_Specs
{
    private static readonly GithubRepository Repository = new("acme", "app");
    private static readonly CommitStatus Status = new()
    {
        State = CommitStatusState.Pending,
        Description = "#1 queued",
        Context = "narwhal/build",
        TargetUrl = "https://ci.example.com/ui/runs/1",
    };

    private FakeGithubApi _github = null!;

    [OneTimeSetUp]
    public async Task Start() => _github = await FakeGithubApi.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _github.DisposeAsync();

    private GithubStatusClient Client(GithubStatusPipelineOptions? options = null, Uri? apiUrl = null) => new(
        new GithubStatusSettings { ApiUrl = apiUrl ?? _github.ApiUrl, Token = "ghp_test", Host = "github.com", GiveUpAfter = TimeSpan.FromMinutes(1) },
        TimeProvider.System, NullLogger<GithubStatusClient>.Instance, options);

    [Test]
    public async Task When_github_accepts_Should_post_the_status_once_as_githubs_api_expects()
    {
        var sha = GithubRuns.RandomSha();
        using var client = Client();

        var result = await client.PostAsync(Repository, sha, Status, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(GithubPostOutcome.Posted));
        var call = _github.CallsFor(sha).Single();
        Assert.Multiple(() =>
        {
            Assert.That(call.Path, Is.EqualTo($"/api/v3/repos/acme/app/statuses/{sha}"));
            Assert.That(call.Authorization, Is.EqualTo("Bearer ghp_test"));
            Assert.That(call.Accept, Is.EqualTo("application/vnd.github+json"));
            Assert.That(call.ApiVersion, Is.EqualTo("2022-11-28"));
            Assert.That(call.UserAgent, Does.StartWith("narwhal"));
            Assert.That((call.State, call.Description, call.Context, call.TargetUrl),
                Is.EqualTo(("pending", "#1 queued", "narwhal/build", "https://ci.example.com/ui/runs/1")));
        });
    }

    [Test]
    public async Task When_github_answers_502_once_Should_retry_and_post()
    {
        var sha = GithubRuns.RandomSha();
        _github.AnswerNext(sha, new GithubAnswer(502));
        using var client = Client();

        var result = await client.PostAsync(Repository, sha, Status, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(GithubPostOutcome.Posted));
        Assert.That(_github.CallsFor(sha).Select(c => c.Answered), Is.EqualTo(new[] { 502, 201 }));
    }

    [Test]
    public async Task When_github_answers_429_with_retry_after_Should_wait_that_long_before_the_next_call()
    {
        var sha = GithubRuns.RandomSha();
        _github.AnswerNext(sha, new GithubAnswer(429, new Dictionary<string, string> { ["Retry-After"] = "2" }));
        using var client = Client();

        var result = await client.PostAsync(Repository, sha, Status, CancellationToken.None);

        var calls = _github.CallsFor(sha);
        Assert.That(result.Outcome, Is.EqualTo(GithubPostOutcome.Posted));
        Assert.That(calls.Select(c => c.Answered), Is.EqualTo(new[] { 429, 201 }));
        Assert.That(calls[1].At - calls[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(20)),
            "Retry-After: 2 (not the 1 s backoff); timers may fire a tick early");
    }

    [Test]
    public async Task When_the_rate_limit_is_used_up_Should_wait_for_its_reset()
    {
        var sha = GithubRuns.RandomSha();
        var reset = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeSeconds();
        _github.AnswerNext(sha, new GithubAnswer(403, new Dictionary<string, string>
        {
            ["x-ratelimit-remaining"] = "0", ["x-ratelimit-reset"] = reset.ToString(),
        }, """{"message":"API rate limit exceeded"}"""));
        using var client = Client();

        var result = await client.PostAsync(Repository, sha, Status, CancellationToken.None);

        var calls = _github.CallsFor(sha);
        Assert.That(result.Outcome, Is.EqualTo(GithubPostOutcome.Posted));
        Assert.That(calls.Select(c => c.Answered), Is.EqualTo(new[] { 403, 201 }));
        Assert.That(calls[1].At, Is.GreaterThanOrEqualTo(DateTimeOffset.FromUnixTimeSeconds(reset) - TimeSpan.FromMilliseconds(20)));
    }

    [TestCase(404, """{"message":"Not Found"}""", "404 Not Found: Not Found")]
    [TestCase(422, """{"message":"Validation Failed","errors":[{"message":"No commit found for SHA"}]}""", "No commit found for SHA")]
    [TestCase(401, """{"message":"Bad credentials"}""", "Bad credentials")]
    public async Task When_github_refuses_Should_stop_at_once_with_its_reason(int status, string body, string reason)
    {
        var sha = GithubRuns.RandomSha();
        _github.AnswerNext(sha, new GithubAnswer(status, Body: body));
        using var client = Client();

        var result = await client.PostAsync(Repository, sha, Status, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(GithubPostOutcome.Refused));
        Assert.That(result.Detail, Does.Contain(reason));
        Assert.That(_github.CallsFor(sha), Has.Count.EqualTo(1), "a refusal is not retried");
    }

    [Test]
    public async Task When_github_keeps_failing_Should_give_up_after_the_bounded_retries_without_throwing()
    {
        var sha = GithubRuns.RandomSha();
        _github.AnswerNext(sha, Enumerable.Repeat(new GithubAnswer(503), 5).ToArray());
        using var client = Client(new GithubStatusPipelineOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(10) });

        var result = await client.PostAsync(Repository, sha, Status, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(GithubPostOutcome.Failed));
        Assert.That(result.Detail, Does.StartWith("503"));
        Assert.That(_github.CallsFor(sha), Has.Count.EqualTo(3), "the first call and two retries");
    }

    [Test]
    public async Task When_github_asks_for_a_long_wait_Should_not_wait_in_process_but_say_how_long()
    {
        var sha = GithubRuns.RandomSha();
        _github.AnswerNext(sha, new GithubAnswer(429, new Dictionary<string, string> { ["Retry-After"] = "3600" }));
        using var client = Client();

        var result = await client.PostAsync(Repository, sha, Status, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(GithubPostOutcome.Failed));
        Assert.That(result.RetryAfter, Is.EqualTo(GithubResponses.MaxWait), "an hour is capped at five minutes, scheduled by the reporter");
        Assert.That(_github.CallsFor(sha), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task When_github_cannot_be_reached_Should_fail_within_the_total_timeout_without_throwing()
    {
        using var client = Client(new GithubStatusPipelineOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(10), TotalTimeout = TimeSpan.FromSeconds(20) },
            new Uri("http://127.0.0.1:1/api/v3"));

        var result = await client.PostAsync(Repository, GithubRuns.RandomSha(), Status, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(GithubPostOutcome.Failed));
        Assert.That(result.Detail, Does.Contain("HttpRequestException"));
    }
}
