using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Narwhal.Api.Dtos;
using Narwhal.Core.Persistence;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Support;

/// <summary>HTTP calls the Api specs make, answering the raw response so each spec can assert on status and body.</summary>
internal static class ApiRequests
{
    public static Task<HttpResponseMessage> PutJobAsync(this HttpClient client, string name, JobRequest job) =>
        client.PutAsJsonAsync($"/jobs/{name}", job, Json.Options);

    /// <summary>A body the builders cannot express (malformed, unknown properties, oversized).</summary>
    public static Task<HttpResponseMessage> PutJsonTextAsync(this HttpClient client, string path, string json) =>
        client.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public static async Task<HttpResponseMessage> PostRunAsync(this HttpClient client, string job, TriggerRequest? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/jobs/{job}/runs")
        {
            Content = JsonContent.Create(body ?? new TriggerRequest(), options: Json.Options),
        };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    /// <summary>Creates a job that must not exist yet; fails the test otherwise.</summary>
    public static async Task CreateJobAsync(this HttpClient client, string name, JobRequest job)
    {
        var response = await client.PutJobAsync(name, job);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Creates an API token through POST /tokens (admin client) and returns its id and secret.</summary>
    public static async Task<(Guid Id, string Secret)> CreateTokenAsync(this HttpClient admin, string name, params string[] scopes)
    {
        var response = await admin.PostAsJsonAsync("/tokens", new TokenRequest { Name = name, Scopes = [.. scopes] }, Json.Options);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), body);
        var json = JsonDocument.Parse(body).RootElement;
        return (json.GetProperty("token").GetProperty("id").GetGuid(), json.GetProperty("secret").GetString()!);
    }
}
