using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Core.Persistence;

namespace Narwhal.Testing;

/// <summary>Small builders for talking to the Api in tests: JSON the way a client (curl, the CLI) sends it.</summary>
public static class ApiClientExtensions
{
    public static async Task<HttpResponseMessage> PutFreestyleJobAsync(this HttpClient client, string name, string image, params string[] script) =>
        await client.PutAsJsonAsync($"/jobs/{name}", new { type = "freestyle", image, script }, Json.Options);

    public static async Task<JsonElement> TriggerAsync(this HttpClient client, string job, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/jobs/{job}/runs") { Content = JsonContent.Create(body ?? new { }, options: Json.Options) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"Trigger of {job} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls GET /runs/{id} until the run is in a terminal status.</summary>
    public static Task<JsonElement> WaitForRunEndAsync(this HttpClient client, string runId, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => client.GetJsonAsync($"/runs/{runId}"),
            run => run.GetProperty("status").GetString() is not ("waiting" or "queued" or "running"),
            $"run {runId} to end", timeout ?? TimeSpan.FromSeconds(120));

    public static string Str(this JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new InvalidOperationException($"{property} is null");
}
