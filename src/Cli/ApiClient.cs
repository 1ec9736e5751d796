using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;

namespace Narwhal.Cli;

/// <summary>One answer of the API: status and the raw body (the JSON is printed as-is with --output json).</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Body, string? ReasonPhrase = null)
{
    public JsonElement Json => Body.Length == 0 ? default : JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>One Server-Sent Event.</summary>
public sealed record SseEvent(string? Id, string Event, string Data);

/// <summary>
/// The REST API over HttpClient: bearer token, problem+json turned into a one-line
/// <see cref="CliException"/>, connection failures into "cannot reach URL: reason".
/// </summary>
public sealed class ApiClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;
    private readonly Uri _baseUrl;

    public ApiClient(Uri baseUrl, string? token, HttpMessageHandler? handler = null)
    {
        _baseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = _baseUrl;
        _http.Timeout = Timeout.InfiniteTimeSpan; // per request below; follow streams are open-ended
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("narwhal-cli", "1.0"));
        if (!string.IsNullOrEmpty(token)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri BaseUrl => _baseUrl;

    public Task<ApiResponse> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);
    public Task<ApiResponse> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);
    public Task<ApiResponse> PostAsync(string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var answer = await TrySendAsync(method, path, body, ct, headers);
        return (int)answer.Status is >= 200 and < 300 ? answer : throw Failure((int)answer.Status, answer.ReasonPhrase, answer.Body);
    }

    /// <summary>
    /// Like <see cref="SendAsync"/> but an error answer is returned, not thrown (for callers that
    /// report per item, like apply); only an unreachable server throws.
    /// </summary>
    public async Task<ApiResponse> TrySendAsync(HttpMethod method, string path, object? body, CancellationToken ct,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, Relative(path));
        if (body is not null)
            request.Content = new StringContent(JsonSerializer.Serialize(body, JsonOut.Compact), Encoding.UTF8, "application/json");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.Add(name, value);
        using var response = await Send(request, HttpCompletionOption.ResponseContentRead, timeout.Token, ct);
        return new ApiResponse(response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token), response.ReasonPhrase);
    }

    /// <summary>The one-line reason of an error answer (its problem detail or field errors).</summary>
    public static string Describe(ApiResponse answer) => Failure((int)answer.Status, answer.ReasonPhrase, answer.Body).Message;

    /// <summary>Field errors of a validation problem (field → messages), or none.</summary>
    public static IReadOnlyList<(string Field, string Message)> FieldErrors(ApiResponse answer)
    {
        try
        {
            if (answer.Body.TrimStart().StartsWith('{')
                && JsonDocument.Parse(answer.Body).RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                return errors.EnumerateObject()
                    .SelectMany(p => p.Value.ValueKind == JsonValueKind.Array
                        ? p.Value.EnumerateArray().Select(m => (p.Name, m.GetString() ?? ""))
                        : [(p.Name, p.Value.ToString())])
                    .ToList();
        }
        catch (JsonException) { }
        return [];
    }

    /// <summary>
    /// GET for a download: the answer with its body unread (the caller disposes it). Only the wait
    /// for the headers is bounded; the body takes as long as it takes. Errors throw as SendAsync's do.
    /// </summary>
    public async Task<HttpResponseMessage> GetStreamAsync(string path, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, Relative(path));
        var response = await Send(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token, ct);
        if (response.IsSuccessStatusCode) return response;
        using (response) throw Failure(response, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>GET a text resource (the console log) as it is.</summary>
    public async Task<string> GetTextAsync(string path, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, Relative(path));
        using var response = await Send(request, HttpCompletionOption.ResponseContentRead, timeout.Token, ct);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        if (!response.IsSuccessStatusCode) throw Failure(response, text);
        return text;
    }

    /// <summary>Reads a Server-Sent Events stream until the server closes it (or <paramref name="ct"/>).</summary>
    public async IAsyncEnumerable<SseEvent> StreamEventsAsync(string path, string? lastEventId, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Relative(path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await Send(request, HttpCompletionOption.ResponseHeadersRead, ct, ct);
        if (!response.IsSuccessStatusCode) throw Failure(response, await response.Content.ReadAsStringAsync(ct));

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
        string? id = null, name = null;
        var data = new StringBuilder();
        while (true)
        {
            string? line;
            try { line = await reader.ReadLineAsync(ct); }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new CliException(ExitCodes.Connection, $"lost connection to {_baseUrl}: {Reason(e)}");
            }
            if (line is null) yield break;
            if (line.Length == 0)
            {
                if (name is not null || data.Length > 0) yield return new SseEvent(id, name ?? "message", data.ToString());
                id = name = null;
                data.Clear();
            }
            else if (line.StartsWith(':')) { } // comment (keep-alive)
            else if (Field(line, "id") is { } i) id = i;
            else if (Field(line, "event") is { } ev) name = ev;
            else if (Field(line, "data") is { } d) { if (data.Length > 0) data.Append('\n'); data.Append(d); }
        }
    }

    private static string? Field(string line, string field)
    {
        if (!line.StartsWith(field, StringComparison.Ordinal)) return null;
        var rest = line.AsSpan(field.Length);
        if (rest.IsEmpty) return "";
        if (rest[0] != ':') return null;
        rest = rest[1..];
        return (rest.StartsWith(" ") ? rest[1..] : rest).ToString();
    }

    private static string Relative(string path) => path.TrimStart('/');

    private async Task<HttpResponseMessage> Send(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken token, CancellationToken callerToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, token);
        }
        catch (OperationCanceledException) when (!callerToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Connection, $"cannot reach {_baseUrl}: timed out after {RequestTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Connection, $"cannot reach {_baseUrl}: {Reason(e)}");
        }
    }

    /// <summary>A short lower-case reason: "connection refused", "host not found", …</summary>
    public static string Reason(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
                    SocketError.ConnectionReset => "connection reset",
                    _ => socket.Message.ToLowerInvariant(),
                };
            if (inner is AuthenticationException) return "TLS handshake failed: " + inner.Message;
        }
        if (e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }) return "host not found";
        return (e.InnerException ?? e).Message;
    }

    /// <summary>An error answer as one line: the problem's detail (or title), else the status.</summary>
    private static CliException Failure(HttpResponseMessage response, string body) =>
        Failure((int)response.StatusCode, response.ReasonPhrase, body);

    private static CliException Failure(int status, string? reasonPhrase, string body)
    {
        string? detail = null;
        try
        {
            if (body.Length > 0 && body.TrimStart().StartsWith('{'))
            {
                var problem = JsonDocument.Parse(body).RootElement;
                detail = Str(problem, "detail") ?? Str(problem, "title");
                if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                {
                    var parts = errors.EnumerateObject()
                        .SelectMany(p => p.Value.ValueKind == JsonValueKind.Array
                            ? p.Value.EnumerateArray().Select(m => $"{p.Name}: {m.GetString()}")
                            : [$"{p.Name}: {p.Value}"]);
                    var joined = string.Join("; ", parts);
                    if (joined.Length > 0) detail = joined;
                }
            }
        }
        catch (JsonException) { }

        var code = status switch
        {
            401 or 403 => ExitCodes.Auth,
            404 => ExitCodes.NotFound,
            _ => ExitCodes.Api,
        };
        var reason = detail ?? (status == 401 ? "unauthorized (missing or wrong token)" : reasonPhrase ?? "error");
        return new CliException(code, $"{status} {reason}") { HttpStatus = status };
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    public void Dispose() => _http.Dispose();
}
