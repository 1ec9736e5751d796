using System.Net;
using Narwhal.Api.Tests.Support;
using Narwhal.Testing.Faults;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Errors;

/// <summary>
/// An Api whose Postgres goes away after startup (a TCP proxy in between, cut mid-test) answers 503 problem+json with
/// Retry-After naming the database — for a trigger and for a read alike — instead of 500, and serves again once
/// Postgres is back.
/// </summary>
[TestFixture]
public sealed class DatabaseUnavailable_Specs() : StackFixture(startApi: false)
{
    private TcpFaultProxy _proxy = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        (_proxy, var proxied) = TcpFaultProxy.ForPostgres(Stack.Database.ConnectionString);
        await Stack.StartApiAsync(new Dictionary<string, string?> { ["NARWHAL_POSTGRES"] = proxied });
        await Client.CreateJobAsync("while-down", JobRequests.Freestyle("echo hi"));
    }

    [OneTimeTearDown]
    public void Restore() =>
        // Back up first, so the Api stops as it does in production, not with its database gone.
        _proxy.Restore();

    protected override async Task AfterStackStoppedAsync() => await _proxy.DisposeAsync();

    private static async Task ShouldBeDatabaseUnavailableAsync(HttpResponseMessage response)
    {
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("The database is unavailable"));
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)), "Retry-After");
    }

    [Test]
    public async Task When_postgres_is_unreachable_Should_answer_503_with_retry_after_to_a_trigger_and_a_read_then_recover()
    {
        _proxy.Refuse();
        try
        {
            await ShouldBeDatabaseUnavailableAsync(await Client.PostRunAsync("while-down", idempotencyKey: "down-1"));
            await ShouldBeDatabaseUnavailableAsync(await Client.GetAsync("/jobs/while-down"));
            await ShouldBeDatabaseUnavailableAsync(await Client.GetAsync("/runs?job=while-down"));
            Assert.That((await Client.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "readiness says so too");
        }
        finally
        {
            _proxy.Restore();
        }

        var answer = await Eventually.UntilAsync(() => Client.PostRunAsync("while-down", idempotencyKey: "down-1"),
            r => r.StatusCode == HttpStatusCode.Created, "the trigger to succeed once Postgres is back", TimeSpan.FromSeconds(30));
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }
}
