using System.Net.Http.Headers;
using Narwhal.Api.Github;
using Narwhal.Api.Github.Webhooks;
using Narwhal.Api.Tests.Github;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The GitHub part of the <see cref="ApiTour"/>: deliveries as GitHub sends them (signed with the stack's webhook secret) and the admin list.</summary>
internal sealed class GithubTour(TourSession tour)
{
    private const string GithubJob = "tour-github";

    public async Task RunAsync()
    {
        await tour.Step(tour.Admin, HttpMethod.Put, $"/jobs/{GithubJob}", 201, new { type = "git", git = new { url = "https://github.com/Codertocat/Hello-World.git" } });
        var opened = GithubFixtures.Bytes(GithubFixtures.PullRequestOpened);
        var deliveryId = Guid.NewGuid().ToString();

        await Delivery("ping", GithubFixtures.Bytes(GithubFixtures.Ping), 200);
        await Delivery("pull_request", opened, 200, deliveryId);
        await Delivery("pull_request", opened, 200, deliveryId);
        await Delivery("issues", "{\"action\":\"opened\"}"u8.ToArray(), 202);
        await Delivery("pull_request", opened, 401, signature: "sha256=" + new string('0', 64));
        await Delivery("pull_request", opened[..100], 400);
        await Delivery("pull_request", opened, 415, contentType: "application/x-www-form-urlencoded");
        await Delivery("push", new byte[WebhookBody.GithubMaxBytes + 1], 413, expectContinue: true);

        await tour.Step(tour.Admin, HttpMethod.Get, "/hooks/github/deliveries", 200);
        await tour.Step(tour.Admin, HttpMethod.Get, "/hooks/github/deliveries?limit=0", 400);
    }

    private async Task Delivery(string @event, byte[] body, int aim, string? deliveryId = null, string? signature = null,
        string contentType = "application/json", bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("X-GitHub-Event", @event);
        request.Headers.Add("X-GitHub-Delivery", deliveryId ?? Guid.NewGuid().ToString());
        request.Headers.Add(WebhookSignature.Header, signature ?? WebhookSignature.Sign(OpenApiConformance_Specs.WebhookSecret, body));
        request.Headers.ExpectContinue = expectContinue;
        await tour.SendAsync(tour.Anonymous, request, aim);
    }
}
