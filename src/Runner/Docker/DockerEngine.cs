using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Narwhal.Runner.Docker;

/// <summary>
/// <see cref="IContainerEngine"/> over Docker.DotNet, speaking the pinned API version (1.41 by default).
/// What is Narwhal's own and stays beside it: the create parameters (<see cref="DockerContainerConfig"/>),
/// the build parameters and progress (<see cref="DockerImageBuild"/>, run by <see cref="DockerImageBuilder"/>), following logs to their real end
/// (<see cref="DockerLogFollower"/>) and the classification of error answers (<see cref="DockerErrors"/>).
/// </summary>
public sealed class DockerEngine : IContainerEngine, IDisposable, IAsyncDisposable
{
    /// <summary>Bound on an ordinary engine answer. Not applied to log following, waiting or pulling.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Bound on a whole image pull (the engine streams progress meanwhile).</summary>
    public static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Bound on copying one archive into a container. Generous: the tar is streamed from the
    /// caller's stream (which may itself be a download), not from memory.
    /// </summary>
    public static readonly TimeSpan ArchiveTimeout = TimeSpan.FromMinutes(30);

    private readonly DockerClient _client;
    private readonly DockerLogFollower _logs;
    private readonly DockerImageBuilder _builds;
    private readonly DockerNetworks _networks;
    private readonly DockerExec _exec;
    private readonly ILogger<DockerEngine> _logger;

    public DockerEngine(string dockerHost, ILogger<DockerEngine> logger)
        : this(dockerHost, DockerClientFactory.DefaultApiVersion, logger)
    {
    }

    public DockerEngine(string dockerHost, string apiVersion, ILogger<DockerEngine> logger)
    {
        _client = DockerClientFactory.Create(dockerHost, apiVersion);
        _logs = new DockerLogFollower(_client, logger);
        _builds = new DockerImageBuilder(_client, logger);
        _networks = new DockerNetworks(_client, logger);
        _exec = new DockerExec(_client);
        _logger = logger;
    }

    public async Task<bool> ImageExistsAsync(string image, CancellationToken ct) =>
        await InspectImageIdAsync(image, ct) is not null;

    /// <summary>The id of a local image, or null when it is not local.</summary>
    private async Task<string?> InspectImageIdAsync(string image, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        try
        {
            var answer = await CallAsync(DockerOperations.InspectImage, RequestTimeout, token => _client.Images.InspectImageAsync(image, token), ct);
            return answer.ID;
        }
        catch (DockerEngineException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task EnsureImageAsync(string image, CancellationToken ct)
    {
        if (await ImageExistsAsync(image, ct)) return;

        _logger.LogInformation("Image {Image} is not local; pulling it", image);
        var (fromImage, tag) = SplitReference(image);
        // 200 only means the pull started: an error arrives as a message of the progress stream.
        var progress = new PullProgress();
        await CallAsync(DockerOperations.PullImage, PullTimeout, async token =>
        {
            await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = fromImage, Tag = tag }, null, progress, token);
            return true;
        }, ct, image);
        if (progress.Error is { } error) throw new ImageUnavailableException(image, error);

        if (!await ImageExistsAsync(image, ct))
            throw new ImageUnavailableException(image, "the engine reported the pull as finished but the image is not present");
        _logger.LogInformation("Pulled image {Image}", image);
    }

    public async Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken ct)
    {
        var parameters = DockerContainerConfig.ToCreateParameters(spec);
        var created = await CallAsync(DockerOperations.CreateContainer, RequestTimeout,
            token => _client.Containers.CreateContainerAsync(parameters, token), ct, spec.Image);
        foreach (var warning in created.Warnings ?? [])
            _logger.LogWarning("Docker warned creating container {Name}: {Warning}", spec.Name, warning);
        _logger.LogDebug("Created container {Name} ({ContainerId}) from {Image}", spec.Name, created.ID, spec.Image);
        return created.ID;
    }

    public Task StartContainerAsync(string containerId, CancellationToken ct) =>
        // False (304): already running, which is what the caller wanted.
        CallAsync(DockerOperations.StartContainer, RequestTimeout, token => _client.Containers.StartContainerAsync(Id(containerId), null, token), ct);

    public Task StreamLogsAsync(string containerId, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct) =>
        _logs.FollowAsync(Id(containerId), onOutput, ct);

    public async Task<long> WaitAsync(string containerId, CancellationToken ct)
    {
        // No timeout: the engine answers when the container exits.
        var answer = await CallAsync(DockerOperations.WaitContainer, Timeout.InfiniteTimeSpan,
            token => _client.Containers.WaitContainerAsync(Id(containerId), token), ct);
        if (answer.Error?.Message is { Length: > 0 } error)
            throw new DockerEngineException(DockerOperations.WaitContainer, HttpStatusCode.OK, error);
        return answer.StatusCode;
    }

    public async Task StopAsync(string containerId, TimeSpan grace, CancellationToken ct)
    {
        var seconds = (uint)Math.Ceiling(Math.Max(0, grace.TotalSeconds));
        try
        {
            // The engine answers after the process is gone: up to the grace period plus the kill.
            // False (304): already stopped.
            await CallAsync(DockerOperations.StopContainer, TimeSpan.FromSeconds(seconds) + RequestTimeout,
                token => _client.Containers.StopContainerAsync(Id(containerId), new ContainerStopParameters { WaitBeforeKillSeconds = seconds }, token), ct);
        }
        catch (DockerEngineException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: what the caller wanted.
        }
    }

    public async Task RemoveAsync(string containerId, CancellationToken ct)
    {
        try
        {
            await CallAsync(DockerOperations.RemoveContainer, RequestTimeout, async token =>
            {
                await _client.Containers.RemoveContainerAsync(Id(containerId), new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, token);
                return true;
            }, ct);
        }
        catch (DockerEngineException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (DockerEngineException ex) when (DockerErrors.IsRemovalInProgress(ex.StatusCode, ex.EngineMessage))
        {
            _logger.LogDebug("Container {ContainerId} is already being removed", containerId);
        }
    }

    public async Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var rows = await CallAsync(DockerOperations.ListContainers, RequestTimeout,
            token => _client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = LabelFilters(labels) }, token), ct);
        return [.. rows.Select(row => new ContainerSummary(row.ID, [.. row.Names ?? []], row.Image, row.State, Labels(row.Labels)))];
    }

    public Task<string> CreateNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, bool internalOnly, CancellationToken ct) =>
        _networks.CreateAsync(name, labels, internalOnly, ct);

    public Task RemoveNetworkAsync(string nameOrId, CancellationToken ct) => _networks.RemoveAsync(nameOrId, ct);

    public Task<IReadOnlyList<NetworkSummary>> ListNetworksAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        _networks.ListAsync(labels, ct);

    public Task PutArchiveAsync(string containerId, string path, Stream tar, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        // "AllowOverwriteDirWithFile" is Docker.DotNet's name for noOverwriteDirNonDir: true means a file never
        // replaces a directory or the reverse, as `docker cp` does. No copyUIDGID: entries keep the owners in the tar.
        var parameters = new CopyToContainerParameters { Path = path, AllowOverwriteDirWithFile = true };
        return CallAsync(DockerOperations.PutArchive, ArchiveTimeout, async token =>
        {
            // The request disposes its body: the caller's stream is lent, not given.
            await _client.Containers.ExtractArchiveToContainerAsync(Id(containerId), parameters, new CallerOwnedStream(tar), token);
            return true;
        }, ct);
    }

    public async Task<Stream?> GetArchiveAsync(string containerId, string path, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            // The timeout bounds the engine's answer only; reading the body is bounded by the caller's token.
            var answer = await CallAsync(DockerOperations.GetArchive, RequestTimeout,
                token => _client.Containers.GetArchiveFromContainerAsync(Id(containerId), new ContainerPathStatParameters { Path = path }, false, token), ct);
            return answer.Stream;
        }
        // 404 is either the path (→ null) or the container itself (→ error: the caller lost track of it).
        catch (DockerEngineException ex) when (ex.StatusCode == HttpStatusCode.NotFound && !DockerErrors.IsNoSuchContainer(ex.StatusCode, ex.EngineMessage))
        {
            return null;
        }
    }

    public Task<long> ExecAsync(string containerId, IReadOnlyList<string> command, CancellationToken ct) =>
        _exec.RunAsync(containerId, command, ct);

    public Task<ImageBuildResult> BuildImageAsync(ImageBuildRequest request, Func<string, CancellationToken, ValueTask> onOutput,
        CancellationToken ct) =>
        _builds.BuildAsync(request, onOutput, InspectImageIdAsync, ct);

    public async Task RemoveImageAsync(string image, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        try
        {
            // Not forced: an image a container still uses stays (409), and so does a bare id with several tags.
            // Untagged parents (the legacy builder's intermediate images) go with it.
            await CallAsync(DockerOperations.RemoveImage, RequestTimeout,
                token => _client.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = false, NoPrune = false }, token), ct);
        }
        catch (DockerEngineException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    public async Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var rows = await CallAsync(DockerOperations.ListImages, RequestTimeout,
            token => _client.Images.ListImagesAsync(new ImagesListParameters { Filters = LabelFilters(labels) }, token), ct);
        return
        [
            .. rows.Select(row => new ImageSummary(
                row.ID,
                [.. (row.RepoTags ?? []).Where(tag => tag != "<none>:<none>")],
                Labels(row.Labels),
                row.Size,
                new DateTimeOffset(DateTime.SpecifyKind(row.Created, DateTimeKind.Utc)))),
        ];
    }

    public void Dispose() => _client.Dispose();

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// One engine call, bounded by <paramref name="timeout"/> on top of the caller's token. An error answer
    /// becomes <see cref="DockerErrors"/>' exception; when only the timeout fired, a <see cref="TimeoutException"/>.
    /// </summary>
    /// <param name="image">The image involved (create, pull): a missing one becomes <see cref="ImageUnavailableException"/>.</param>
    internal static async Task<T> CallAsync<T>(string operation, TimeSpan timeout, Func<CancellationToken, Task<T>> call, CancellationToken ct,
        string? image = null)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout != Timeout.InfiniteTimeSpan) bounded.CancelAfter(timeout);
        try
        {
            return await call(bounded.Token);
        }
        catch (DockerApiException ex)
        {
            throw DockerErrors.FromApiException(ex, operation, image);
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TimeoutException($"Docker engine call '{operation}' got no answer within {timeout.TotalSeconds:0} s.");
        }
    }

    /// <summary>The filter selecting objects that carry every given label.</summary>
    internal static Dictionary<string, IDictionary<string, bool>> LabelFilters(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new() { ["label"] = labels.ToDictionary(label => $"{label.Key}={label.Value}", _ => true) };
    }

    internal static IReadOnlyDictionary<string, string> Labels(IDictionary<string, string>? labels) =>
        labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels);

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

    internal static string Id(string containerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(containerId);
        return containerId;
    }

    /// <summary>Keeps the pull's first error; Docker.DotNet reports the progress messages in order, on the reading thread.</summary>
    private sealed class PullProgress : IProgress<JSONMessage>
    {
        public string? Error { get; private set; }

        public void Report(JSONMessage value) => Error ??= DockerErrors.PullStreamError(value);
    }
}
