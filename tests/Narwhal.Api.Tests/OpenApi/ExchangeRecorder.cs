using System.Collections.Concurrent;
using System.Net.Http.Headers;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>One request and what came back, as the conformance check needs it.</summary>
internal sealed record RecordedExchange(string Method, string Path, int Status, string? ContentType)
{
    public override string ToString() => $"{Method} {Path} → {Status} {ContentType ?? "(no content type)"}";
}

/// <summary>
/// Hands out HttpClients whose every response is recorded (method, request path, status, media
/// type) at the moment its headers arrive, so streams that are never read to the end count too.
/// </summary>
internal sealed class ExchangeRecorder(Uri baseAddress)
{
    private readonly ConcurrentQueue<RecordedExchange> _exchanges = new();

    public IReadOnlyList<RecordedExchange> Exchanges => [.. _exchanges];

    public HttpClient Client(string? token)
    {
        var client = new HttpClient(new RecordingHandler(_exchanges)) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private sealed class RecordingHandler(ConcurrentQueue<RecordedExchange> exchanges) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            exchanges.Enqueue(new RecordedExchange(request.Method.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode,
                response.Content.Headers.ContentType?.MediaType));
            return response;
        }
    }
}
