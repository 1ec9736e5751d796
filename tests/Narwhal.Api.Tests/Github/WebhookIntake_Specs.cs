using System.Net;
using System.Net.Sockets;
using System.Text;
using Narwhal.Api.Github.Webhooks;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>
/// What an unauthenticated delivery can cost: an Api with a 64 KiB webhook limit and one body read at a time refuses
/// a larger declared Content-Length before reading the body, and a second delivery while one is being read (503,
/// Retry-After), so unsigned posts cannot pile bodies up in memory.
/// </summary>
[TestFixture]
public sealed class WebhookIntake_Specs() : StackFixture(apiSettings: new Dictionary<string, string?>
{
    ["NARWHAL_GITHUB_WEBHOOK_SECRET"] = Secret,
    ["NARWHAL_GITHUB_WEBHOOK_MAX_BODY_KB"] = "64",
    ["NARWHAL_GITHUB_WEBHOOK_MAX_CONCURRENT"] = "1",
})
{
    private const string Secret = "narwhal-test-webhook-secret-0123456789";
    private static readonly string WellFormedSignature = "sha256=" + new string('0', 64);
    private HttpClient _anonymous = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _anonymous = Stack.Client(token: null);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _anonymous.Dispose();
    }

    /// <summary>Opens a connection and sends a delivery's headers and only the first bytes of its body.</summary>
    private async Task<TcpClient> StartDeliveryAsync(long contentLength, string signature)
    {
        var client = new TcpClient();
        await client.ConnectAsync(Stack.ApiUrl.Host, Stack.ApiUrl.Port);
        var head = $"POST /hooks/github HTTP/1.1\r\nHost: {Stack.ApiUrl.Authority}\r\nContent-Type: application/json\r\n" +
                   $"X-GitHub-Event: ping\r\nX-GitHub-Delivery: {Guid.NewGuid()}\r\n{WebhookSignature.Header}: {signature}\r\n" +
                   $"Content-Length: {contentLength}\r\n\r\n{{\"zen\":";
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
        return client;
    }

    private static async Task<string> ReadStatusLineAsync(TcpClient client, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n"))
        {
            var read = await client.GetStream().ReadAsync(buffer, cts.Token);
            if (read == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return text.ToString().Split("\r\n")[0];
    }

    [Test]
    public async Task When_the_declared_length_is_over_the_limit_Should_answer_413_without_waiting_for_the_body()
    {
        using var client = await StartDeliveryAsync(1024 * 1024, WellFormedSignature);

        // The body never comes: only an answer given before reading it arrives within the deadline.
        var status = await ReadStatusLineAsync(client, TimeSpan.FromSeconds(10));

        Assert.That(status, Does.StartWith("HTTP/1.1 413"));
    }

    [Test]
    public async Task When_a_body_is_over_the_limit_without_a_declared_length_Should_answer_413_problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github")
        {
            Content = new StreamContent(new MemoryStream(new byte[100 * 1024])),
        };
        request.Headers.TransferEncodingChunked = true;
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", "ping");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add(WebhookSignature.Header, WellFormedSignature);

        var problem = await (await _anonymous.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.That(problem.Detail(), Does.Contain("NARWHAL_GITHUB_WEBHOOK_MAX_BODY_KB"));
    }

    [Test]
    public async Task When_more_bodies_are_being_read_than_allowed_Should_answer_503_with_retry_after_until_one_ends()
    {
        async Task<HttpResponseMessage> SendSmallAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            request.Headers.Add("X-GitHub-Event", "ping");
            request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
            request.Headers.Add(WebhookSignature.Header, WellFormedSignature);
            return await _anonymous.SendAsync(request);
        }

        var slow = await StartDeliveryAsync(1000, WellFormedSignature);
        try
        {
            var refused = await Eventually.UntilAsync(SendSmallAsync, r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
                "a delivery to be refused while the slow one holds the only slot", TimeSpan.FromSeconds(20));
            await refused.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
        }
        finally
        {
            slow.Dispose();
        }

        // The slot is free again once the slow client is gone: the next one is read (and refused for its signature).
        var after = await Eventually.UntilAsync(SendSmallAsync, r => r.StatusCode != HttpStatusCode.ServiceUnavailable,
            "the slot to be released", TimeSpan.FromSeconds(20));
        await after.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }
}
