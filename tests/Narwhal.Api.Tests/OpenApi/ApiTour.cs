using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>
/// A walk through the whole Api against a real stack: every operation answers a success at least
/// once, and the errors clients meet (400, 401, 403, 404, 409, 410, 413, 415, 416, 422, 304, 206)
/// are provoked on purpose. Each step names the status it aims for; a step that gets another one
/// is listed in <see cref="Misses"/> (the conformance check still judges what did come back).
/// </summary>
internal sealed partial class ApiTour(TestStack stack, ExchangeRecorder recorder) : IDisposable
{
    private const string Job = "tour-free";
    private const string GoneJob = "tour-gone";
    private const string MissingJob = "tour-missing";
    private const string SecretKey = "TOUR_KEY";
    private static readonly string MissingId = Guid.NewGuid().ToString();

    private readonly HttpClient _admin = recorder.Client(TestStack.AdminToken);
    private readonly HttpClient _anonymous = recorder.Client(null);
    private HttpClient _reader = null!;

    /// <summary>Steps that did not get the status they aimed for, with what came back.</summary>
    public List<string> Misses { get; } = [];

    public async Task RunAsync(OpenApiContract contract)
    {
        await HealthAsync();
        await TokensAsync();
        await JobsAsync();
        await SecretsAsync();
        await GitCredentialsAsync();
        await RunsAsync();
        await ResultsAsync();
        await RunnersAsync();
        await GithubAsync();
        await BodyErrorsAsync();
        await AuthAsync(contract);
    }

    private async Task HealthAsync()
    {
        await Step(_anonymous, HttpMethod.Get, "/health/live", 200);
        await Step(_anonymous, HttpMethod.Get, "/health/ready", 200);
    }

    private async Task TokensAsync()
    {
        var reader = await ReadJsonAsync(await Step(_admin, HttpMethod.Post, "/tokens", 201, new { name = "tour-reader", scopes = new[] { "read" } }));
        _reader = recorder.Client(reader.GetProperty("secret").GetString());
        await Step(_admin, HttpMethod.Post, "/tokens", 409, new { name = "tour-reader", scopes = new[] { "read" } });
        await Step(_admin, HttpMethod.Post, "/tokens", 400, new { name = "", scopes = Array.Empty<string>() });
        var temporary = await ReadJsonAsync(await Step(_admin, HttpMethod.Post, "/tokens", 201, new { name = "tour-temporary", scopes = new[] { "trigger" } }));
        var id = temporary.GetProperty("token").GetProperty("id").GetString();
        await Step(_admin, HttpMethod.Get, "/tokens", 200);
        await Step(_admin, HttpMethod.Delete, $"/tokens/{id}", 204);
        await Step(_admin, HttpMethod.Delete, $"/tokens/{id}", 404);
    }

    private static object FreestyleJob(string script = "echo tour") => new
    {
        type = "freestyle",
        image = TestEnvironment.BusyboxImage,
        script = new[] { script },
        parameters = new[] { new { name = "GREETING", @default = "hello" } },
    };

    private async Task JobsAsync()
    {
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}", 201, FreestyleJob());
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}", 200, FreestyleJob());
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}", 400, new { type = "freestyle" });
        await Step(_admin, HttpMethod.Get, "/jobs", 200);
        await Step(_admin, HttpMethod.Get, "/jobs?limit=1", 200);
        await Step(_admin, HttpMethod.Get, "/jobs?limit=0", 400);
        await Step(_admin, HttpMethod.Get, $"/jobs/{Job}", 200);
        await Step(_admin, HttpMethod.Get, $"/jobs/{MissingJob}", 404);
        await Step(_admin, HttpMethod.Delete, $"/jobs/{MissingJob}", 404);
    }

    private async Task SecretsAsync()
    {
        var secret = new { value = "tour-secret-value" };
        await Step(_admin, HttpMethod.Get, $"/jobs/{Job}/secrets", 200);
        await Step(_admin, HttpMethod.Get, $"/jobs/{MissingJob}/secrets", 404);
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}/secrets/{SecretKey}", 201, secret);
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}/secrets/{SecretKey}", 200, secret);
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}/secrets/CI", 400, secret);
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}/secrets/{SecretKey}", 400, new { value = "short" });
        await Step(_admin, HttpMethod.Put, $"/jobs/{MissingJob}/secrets/{SecretKey}", 404, secret);
        await Step(_admin, HttpMethod.Delete, $"/jobs/{Job}/secrets/{SecretKey}", 204);
        await Step(_admin, HttpMethod.Delete, $"/jobs/{Job}/secrets/{SecretKey}", 404);
    }

    private async Task GitCredentialsAsync()
    {
        var path = $"/jobs/{Job}/git-credentials";
        var credentials = new { username = "tour", token = "tour-token-0123" };
        await Step(_admin, HttpMethod.Get, path, 404);
        await Step(_admin, HttpMethod.Put, path, 201, credentials);
        await Step(_admin, HttpMethod.Put, path, 200, credentials);
        await Step(_admin, HttpMethod.Get, path, 200);
        await Step(_admin, HttpMethod.Put, path, 400, new { username = "tour" });
        await Step(_admin, HttpMethod.Put, $"/jobs/{MissingJob}/git-credentials", 404, credentials);
        await Step(_admin, HttpMethod.Delete, path, 204);
        await Step(_admin, HttpMethod.Delete, path, 404);
    }

    /// <summary>What binding refuses before any handler runs, on every operation that takes a JSON body.</summary>
    private async Task BodyErrorsAsync()
    {
        foreach (var path in new[] { $"/jobs/{Job}", $"/jobs/{Job}/secrets/{SecretKey}", $"/jobs/{Job}/git-credentials" })
            await Step(_admin, HttpMethod.Put, path, 400, raw: "{\"broken\": ");
        await Step(_admin, HttpMethod.Post, $"/jobs/{Job}/runs", 400, raw: "{\"parameters\": [");
        await Step(_admin, HttpMethod.Post, "/tokens", 400, raw: "not json");
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}", 400, new { type = "freestyle", image = "x", script = new[] { "true" }, colour = "blue" });
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}", 415, raw: "type: freestyle", contentType: "text/yaml");
        var oversized = FreestyleJob(new string('x', OpenApiConformance_Specs.MaxBodyKb * 1024 + 1));
        await Step(_admin, HttpMethod.Put, $"/jobs/{Job}", 413, oversized);
    }

    /// <summary>Every documented operation without a token (401), and every admin or trigger operation with a read token (403).</summary>
    private async Task AuthAsync(OpenApiContract contract)
    {
        foreach (var operation in contract.Operations.Where(o => o.Scope is not null))
        {
            var path = operation.Template.Replace("{name}", Job).Replace("{id}", MissingId).Replace("{number}", "1")
                .Replace("{key}", SecretKey).Replace("{path}", RunResultsSeeder.TextArtifact);
            var body = operation.HasJsonBody ? "{}" : null;
            await Step(_anonymous, new HttpMethod(operation.Method), path, 401, raw: body);
            if (operation.Scope != "read") await Step(_reader, new HttpMethod(operation.Method), path, 403, raw: body);
        }
    }

    /// <summary>
    /// One request: a JSON body from <paramref name="json"/>, or <paramref name="raw"/> text as it is
    /// (malformed JSON, another media type). The response comes back buffered.
    /// </summary>
    private async Task<HttpResponseMessage> Step(HttpClient client, HttpMethod method, string path, int aim, object? json = null,
        string? raw = null, string contentType = "application/json", Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = JsonContent.Create(json, options: Narwhal.Core.Persistence.Json.Options);
        else if (raw is not null) request.Content = new StringContent(raw, Encoding.UTF8, contentType);
        headers?.Invoke(request.Headers);
        return await SendAsync(client, request, aim);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, int aim)
    {
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        if ((int)response.StatusCode != aim)
        {
            var body = await response.Content.ReadAsStringAsync();
            Misses.Add($"{request.Method} {request.RequestUri}: aimed for {aim}, got {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        }
        return response;
    }

    public void Dispose()
    {
        _admin.Dispose();
        _anonymous.Dispose();
        _reader?.Dispose();
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
