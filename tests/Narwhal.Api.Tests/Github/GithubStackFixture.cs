using System.Net;
using System.Text.Json;
using Narwhal.Api.Dtos;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Persistence;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>
/// An Api with a webhook secret (two, as during a rotation: a random one and GitHub's test-vector secret) and a small
/// general body limit (16 KiB, below the 28 KB pull_request payloads: the webhook's own 25 MB limit must apply), plus
/// the calls the GitHub specs share. Tests isolate themselves by repository (<see cref="GithubFixtures.Rehomed"/>).
/// </summary>
public abstract class GithubStackFixture() : StackFixture(apiSettings: new Dictionary<string, string?>
{
    ["NARWHAL_GITHUB_WEBHOOK_SECRET"] = $"{Secret},{GithubFixtures.TestVector().Secret}",
    ["NARWHAL_API_MAX_BODY_KB"] = "16",
})
{
    protected const string Secret = "narwhal-test-webhook-secret-0123456789";

    private HttpClient _anonymous = null!;
    private protected WebhookSender Hooks { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartHooks()
    {
        _anonymous = Stack.Client(token: null);
        Hooks = new WebhookSender(_anonymous, Secret);
    }

    [OneTimeTearDown]
    public void StopHooks() => _anonymous.Dispose();

    protected static string UniqueRepository(string prefix) => $"acme/{prefix}-{Guid.NewGuid():N}"[..40];

    protected Task CreateGitJobAsync(string name, string url, GithubSettingsRequest? github = null) =>
        Client.CreateJobAsync(name, JobRequests.Git(url) with { Github = github });

    protected async Task<IReadOnlyList<JsonElement>> RunsOfAsync(string job)
    {
        var response = await Client.GetAsync($"/jobs/{job}/runs");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().ToList();
    }

    protected async Task<JsonElement> RunAsync(Guid id) => await (await Client.GetAsync($"/runs/{id}")).ReadJsonAsync();

    /// <summary>The delivery answer of a 200/202, checked to be that status.</summary>
    protected static async Task<GithubDeliveryDto> DeliveryAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        return JsonSerializer.Deserialize<GithubDeliveryDto>(text, Json.Options)!;
    }

    protected async Task<long> DeliveriesRecordedAsync(string id) =>
        await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM github_deliveries WHERE id = @id", new { id });
}
