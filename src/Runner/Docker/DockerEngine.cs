using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Narwhal.Runner.Docker;

/// <summary>
/// <see cref="IContainerEngine"/> over the Docker Engine API (v1.41). This file holds the
/// container lifecycle and the plumbing every call shares; the other concerns live beside it:
/// networks (<c>DockerEngine.Networks.cs</c>), archives (<c>DockerEngine.Archives.cs</c>), exec
/// (<c>DockerEngine.Exec.cs</c>), images (<c>DockerEngine.Images.cs</c>) and logs (<c>DockerEngine.Logs.cs</c>).
/// The create body comes from <see cref="DockerContainerConfig"/>, log frames from
/// <see cref="DockerLogDemultiplexer"/>, build queries and progress from <see cref="DockerImageBuild"/>,
/// error answers go through <see cref="DockerErrors"/>.
/// </summary>
public sealed partial class DockerEngine : IContainerEngine, IDisposable, IAsyncDisposable
{
    private const string Api = "v1.41";

    /// <summary>Bound on an ordinary engine answer. Not applied to log following, waiting or pulling.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Bound on a whole image pull (the engine streams progress meanwhile).</summary>
    public static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(30);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private readonly HttpClient _http;
    private readonly ILogger<DockerEngine> _logger;

    public DockerEngine(string dockerHost, ILogger<DockerEngine> logger)
    {
        _http = DockerHttpClientFactory.Create(dockerHost);
        _logger = logger;
    }

    public async Task<bool> ImageExistsAsync(string image, CancellationToken ct) =>
        await InspectImageIdAsync(image, ct) is not null;

    /// <summary>The id of a local image, or null when it is not local.</summary>
    private async Task<string?> InspectImageIdAsync(string image, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Get, $"images/{ImagePath(image)}/json", null, DockerOperations.InspectImage, timeout.Token, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw await DockerErrors.FromResponseAsync(response, DockerOperations.InspectImage, null, ct);
        var answer = await response.Content.ReadFromJsonAsync<ImageInspectAnswer>(Json, timeout.Token)
            ?? throw new DockerEngineException(DockerOperations.InspectImage, response.StatusCode, "empty answer");
        return answer.Id;
    }

    public async Task EnsureImageAsync(string image, CancellationToken ct)
    {
        if (await ImageExistsAsync(image, ct)) return;

        _logger.LogInformation("Image {Image} is not local; pulling it", image);
        var (fromImage, tag) = SplitReference(image);
        using (var timeout = Bounded(PullTimeout, ct))
        {
            using var response = await SendAsync(HttpMethod.Post,
                $"images/create?fromImage={Uri.EscapeDataString(fromImage)}&tag={Uri.EscapeDataString(tag)}",
                null, DockerOperations.PullImage, timeout.Token, ct, streaming: true);
            if (!response.IsSuccessStatusCode)
                throw await DockerErrors.FromResponseAsync(response, DockerOperations.PullImage, image, ct);

            // 200 only means the pull started: an error arrives as a line of the progress stream.
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var reader = new StreamReader(body, Encoding.UTF8);
            while (await ReadLineAsync(reader, timeout.Token, ct) is { } line)
            {
                if (DockerErrors.PullStreamError(line) is { } error)
                    throw new ImageUnavailableException(image, error);
            }
        }

        if (!await ImageExistsAsync(image, ct))
            throw new ImageUnavailableException(image, "the engine reported the pull as finished but the image is not present");
        _logger.LogInformation("Pulled image {Image}", image);
    }

    public async Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken ct)
    {
        var body = DockerContainerConfig.ToCreateBody(spec);
        using var timeout = Bounded(RequestTimeout, ct);
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await SendAsync(HttpMethod.Post, $"containers/create?{DockerContainerConfig.CreateQuery(spec)}",
            content, DockerOperations.CreateContainer, timeout.Token, ct);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.CreateContainer, spec.Image, ct);

        var created = await response.Content.ReadFromJsonAsync<CreateAnswer>(Json, timeout.Token)
            ?? throw new DockerEngineException(DockerOperations.CreateContainer, response.StatusCode, "empty answer");
        foreach (var warning in created.Warnings ?? [])
            _logger.LogWarning("Docker warned creating container {Name}: {Warning}", spec.Name, warning);
        _logger.LogDebug("Created container {Name} ({ContainerId}) from {Image}", spec.Name, created.Id, spec.Image);
        return created.Id;
    }

    public async Task StartContainerAsync(string containerId, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Post, $"containers/{Id(containerId)}/start", null,
            DockerOperations.StartContainer, timeout.Token, ct);
        // 304: already running.
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotModified)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.StartContainer, null, ct);
    }

    public async Task<long> WaitAsync(string containerId, CancellationToken ct)
    {
        // No timeout: the engine answers when the container exits.
        using var response = await SendAsync(HttpMethod.Post, $"containers/{Id(containerId)}/wait", null,
            DockerOperations.WaitContainer, ct, ct, streaming: true);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.WaitContainer, null, ct);
        var answer = await response.Content.ReadFromJsonAsync<WaitAnswer>(Json, ct)
            ?? throw new DockerEngineException(DockerOperations.WaitContainer, response.StatusCode, "empty answer");
        if (answer.Error?.Message is { Length: > 0 } error)
            throw new DockerEngineException(DockerOperations.WaitContainer, response.StatusCode, error);
        return answer.StatusCode;
    }

    public async Task StopAsync(string containerId, TimeSpan grace, CancellationToken ct)
    {
        var seconds = (long)Math.Ceiling(Math.Max(0, grace.TotalSeconds));
        // The engine answers after the process is gone: up to the grace period plus the kill.
        using var timeout = Bounded(TimeSpan.FromSeconds(seconds) + RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Post, $"containers/{Id(containerId)}/stop?t={seconds}", null,
            DockerOperations.StopContainer, timeout.Token, ct);
        // 304: already stopped; 404: already gone. Both are what the caller wanted.
        if (response.IsSuccessStatusCode || response.StatusCode is HttpStatusCode.NotModified or HttpStatusCode.NotFound) return;
        throw await DockerErrors.FromResponseAsync(response, DockerOperations.StopContainer, null, ct);
    }

    public async Task RemoveAsync(string containerId, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Delete, $"containers/{Id(containerId)}?force=1&v=1", null,
            DockerOperations.RemoveContainer, timeout.Token, ct);
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound) return;

        var message = DockerErrors.EngineMessage(await response.Content.ReadAsStringAsync(ct));
        if (DockerErrors.IsRemovalInProgress(response.StatusCode, message))
        {
            _logger.LogDebug("Container {ContainerId} is already being removed", containerId);
            return;
        }
        throw DockerErrors.FromAnswer(response.StatusCode, message, DockerOperations.RemoveContainer, null);
    }

    public async Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Get, $"containers/json?all=1&filters={LabelFilters(labels)}", null,
            DockerOperations.ListContainers, timeout.Token, ct);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.ListContainers, null, ct);
        var rows = await response.Content.ReadFromJsonAsync<List<ListRow>>(Json, timeout.Token) ?? [];
        return
        [
            .. rows.Select(row => new ContainerSummary(
                row.Id,
                row.Names ?? [],
                row.Image ?? "",
                row.State ?? "",
                row.Labels ?? new Dictionary<string, string>())),
        ];
    }

    public void Dispose() => _http.Dispose();

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Sends one request. <paramref name="callToken"/> bounds the call (the caller's token, maybe
    /// with a timeout); when only the timeout fired, the cancellation becomes a <see cref="TimeoutException"/>.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, string operation,
        CancellationToken callToken, CancellationToken callerToken, bool streaming = false)
    {
        using var request = new HttpRequestMessage(method, $"{Api}/{path}") { Content = content };
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await _http.SendAsync(request,
                streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, callToken);
            _logger.LogDebug("Docker {Method} {Path} → {Status} in {Elapsed:0} ms",
                method, path, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (OperationCanceledException) when (callToken.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Docker engine call '{operation}' got no answer within {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s.");
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken callToken, CancellationToken callerToken)
    {
        try
        {
            return await reader.ReadLineAsync(callToken);
        }
        catch (OperationCanceledException) when (callToken.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Docker engine call '{DockerOperations.PullImage}' did not finish within {PullTimeout.TotalMinutes:0} min.");
        }
    }

    /// <summary>The escaped <c>filters</c> query value selecting objects that carry every given label.</summary>
    private static string LabelFilters(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Uri.EscapeDataString(JsonSerializer.Serialize(new Dictionary<string, string[]>
        {
            ["label"] = [.. labels.Select(label => $"{label.Key}={label.Value}")],
        }));
    }

    private static CancellationTokenSource Bounded(TimeSpan limit, CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(limit);
        return cts;
    }

    /// <summary>
    /// Splits an image reference into the pull call's fromImage and tag: "repo:tag",
    /// "repo@sha256:…" (the digest goes in tag), "registry:5000/repo" (no tag → latest).
    /// </summary>
    public static (string FromImage, string Tag) SplitReference(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0) return (image[..at], image[(at + 1)..]);
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>An image reference as a path: slashes stay separators (the engine routes /images/{name:.*}/json).</summary>
    private static string ImagePath(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        return string.Join('/', image.Split('/').Select(Uri.EscapeDataString));
    }

    private static string Id(string containerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(containerId);
        return Uri.EscapeDataString(containerId);
    }

    private sealed record CreateAnswer(string Id, string[]? Warnings);

    private sealed record ImageInspectAnswer(string Id);

    private sealed record WaitAnswer(long StatusCode, WaitError? Error);

    private sealed record WaitError(string? Message);

    private sealed record ListRow(string Id, string[]? Names, string? Image, string? State, Dictionary<string, string>? Labels);
}
