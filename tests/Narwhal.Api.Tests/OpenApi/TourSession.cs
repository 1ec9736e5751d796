using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>
/// What every part of the <see cref="ApiTour"/> shares: the recording clients (admin, anonymous, and
/// the read-only one the tokens part creates), the request helper, and the steps that did not get
/// the status they aimed for (<see cref="Misses"/>).
/// </summary>
internal sealed class TourSession(ExchangeRecorder recorder) : IDisposable
{
    public HttpClient Admin { get; } = recorder.Client(TestStack.AdminToken);

    public HttpClient Anonymous { get; } = recorder.Client(null);

    /// <summary>A client with a read-scoped token; set by <see cref="UseReaderToken"/> once the tour has minted one.</summary>
    public HttpClient Reader { get; private set; } = null!;

    /// <summary>Steps that did not get the status they aimed for, with what came back.</summary>
    public List<string> Misses { get; } = [];

    public void UseReaderToken(string? secret)
    {
        Reader?.Dispose();
        Reader = recorder.Client(secret);
    }

    /// <summary>
    /// One request: a JSON body from <paramref name="json"/>, or <paramref name="raw"/> text as it is
    /// (malformed JSON, another media type). The response comes back buffered.
    /// </summary>
    public async Task<HttpResponseMessage> Step(HttpClient client, HttpMethod method, string path, int aim, object? json = null,
        string? raw = null, string contentType = "application/json", Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = JsonContent.Create(json, options: Narwhal.Core.Persistence.Json.Options);
        else if (raw is not null) request.Content = new StringContent(raw, Encoding.UTF8, contentType);
        headers?.Invoke(request.Headers);
        return await SendAsync(client, request, aim);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, int aim)
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

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>A stored object (log, summary, artifact) whole, as a byte range, unchanged since its ETag, and past its end.</summary>
    public async Task StoredObjectAsync(string path)
    {
        var whole = await Step(Reader, HttpMethod.Get, path, 200);
        await Step(Reader, HttpMethod.Get, path, 206, headers: h => h.Range = new RangeHeaderValue(0, 3));
        if (whole.Headers.ETag is { } etag) await Step(Reader, HttpMethod.Get, path, 304, headers: h => h.IfNoneMatch.Add(etag));
        else Misses.Add($"GET {path}: no ETag to ask for a 304 with");
        await Step(Reader, HttpMethod.Get, path, 416, headers: h => h.Range = new RangeHeaderValue(1_000_000, null));
    }

    /// <summary>The Server-Sent Events console: read until the first event, then hang up.</summary>
    public async Task FollowUntilFirstEventAsync(string path)
    {
        using var response = await Reader.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead);
        if ((int)response.StatusCode != 200)
        {
            Misses.Add($"GET {path}: aimed for 200, got {(int)response.StatusCode}");
            return;
        }
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token), Encoding.UTF8);
        var sawEvent = false;
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal)) sawEvent = true;
            else if (line.Length == 0 && sawEvent) return;
        }
        Misses.Add($"GET {path}: the stream ended before a whole event");
    }

    public void Dispose()
    {
        Admin.Dispose();
        Anonymous.Dispose();
        Reader?.Dispose();
    }
}
