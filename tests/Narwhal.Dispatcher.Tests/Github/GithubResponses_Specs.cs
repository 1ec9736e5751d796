using System.Net;
using Narwhal.Dispatcher.Github;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Github;

/// <summary>Which GitHub answers are worth another try, and how long GitHub asks to wait.</summary>
[TestFixture]
public sealed class GithubResponses_Specs
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2025-06-01T12:00:00Z");
    private static readonly TimeProvider Clock = new FixedClock(Now);

    private static HttpResponseMessage Answer(int status, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status);
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }

    [TestCase(500, true)]
    [TestCase(502, true)]
    [TestCase(503, true)]
    [TestCase(504, true)]
    [TestCase(429, true)]
    [TestCase(408, true)]
    [TestCase(501, false)]
    [TestCase(400, false)]
    [TestCase(401, false)]
    [TestCase(403, false)]
    [TestCase(404, false)]
    [TestCase(422, false)]
    public void When_github_answers_a_status_Should_retry_only_what_may_heal(int status, bool retryable) =>
        Assert.That(GithubResponses.IsRetryable(Answer(status)), Is.EqualTo(retryable));

    [Test]
    public void When_a_403_says_the_rate_limit_is_used_up_Should_retry_at_its_reset()
    {
        var answer = Answer(403, ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", (Now + TimeSpan.FromSeconds(42)).ToUnixTimeSeconds().ToString()));

        Assert.That(GithubResponses.IsRetryable(answer), Is.True);
        Assert.That(GithubResponses.RequestedWait(answer, Clock), Is.EqualTo(TimeSpan.FromSeconds(42)));
    }

    [Test]
    public void When_a_403_carries_retry_after_Should_treat_it_as_a_secondary_rate_limit() =>
        Assert.That(GithubResponses.IsRetryable(Answer(403, ("Retry-After", "60"))), Is.True);

    [Test]
    public void When_retry_after_is_seconds_or_a_date_Should_wait_that_long_capped_at_five_minutes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(GithubResponses.RequestedWait(Answer(429, ("Retry-After", "2")), Clock), Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(GithubResponses.RequestedWait(Answer(429, ("Retry-After", (Now + TimeSpan.FromSeconds(30)).ToString("R"))), Clock),
                Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(GithubResponses.RequestedWait(Answer(429, ("Retry-After", "3600")), Clock), Is.EqualTo(GithubResponses.MaxWait));
            Assert.That(GithubResponses.RequestedWait(Answer(429, ("Retry-After", (Now - TimeSpan.FromSeconds(30)).ToString("R"))), Clock),
                Is.EqualTo(TimeSpan.Zero), "a date in the past: now");
            Assert.That(GithubResponses.RequestedWait(Answer(502), Clock), Is.Null, "no wait named: the backoff decides");
        });
    }

    [Test]
    public void When_github_explains_a_refusal_Should_keep_its_message() =>
        Assert.That(GithubResponses.Describe(Answer(422), """{"message":"Validation Failed","errors":[{"message":"No commit found for SHA: abc"}]}"""),
            Is.EqualTo("422 Unprocessable Entity: Validation Failed (No commit found for SHA: abc)"));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
