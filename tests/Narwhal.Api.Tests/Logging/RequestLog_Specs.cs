using NUnit.Framework;

namespace Narwhal.Api.Tests.Logging;

/// <summary>
/// The Api writes one line per request to its process log (method, path, status, time taken), and never the query
/// string or a header: either may carry a token.
/// </summary>
[TestFixture]
[NonParallelizable] // swaps the process's console for the duration of the fixture
public sealed class RequestLog_Specs
{
    private const string QuerySecret = "query-secret-0123456789";
    private const string HeaderSecret = "header-secret-0123456789";

    [Test]
    public async Task When_a_request_is_answered_Should_log_one_line_without_query_or_headers()
    {
        var console = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(TextWriter.Synchronized(captured));
        try
        {
            await using var stack = await TestStack.CreateAsync(apiSettings: new Dictionary<string, string?> { ["NARWHAL_LOG_LEVEL"] = "information" });
            using var client = stack.Client();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/no-such-job-for-the-log?cursor={QuerySecret}");
            request.Headers.Add("X-Custom", HeaderSecret);
            using var response = await client.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.EqualTo(404));

            var line = await Eventually.UntilAsync(
                () => Task.FromResult(captured.ToString().Split('\n').SingleOrDefault(l => l.Contains("/jobs/no-such-job-for-the-log", StringComparison.Ordinal))),
                l => l is not null, "the request's log line", TimeSpan.FromSeconds(30));

            Assert.That(line, Does.Match(@"HTTP GET /jobs/no-such-job-for-the-log answered 404 in \d+(\.\d)? ms"));
            Assert.That(captured.ToString(), Does.Not.Contain(QuerySecret).And.Not.Contain(HeaderSecret).And.Not.Contain(TestStack.AdminToken));
        }
        finally
        {
            Console.SetOut(console);
        }
    }
}
