using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Narwhal.Runner.Docker;

// Images: build with the legacy builder, list and remove (the cache the lead keeps by content hash).
public sealed partial class DockerEngine
{
    public async Task<ImageBuildResult> BuildImageAsync(ImageBuildRequest request, Func<string, CancellationToken, ValueTask> onOutput,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(onOutput);
        var query = DockerImageBuild.Query(request);

        // No timeout: a build runs the job's own steps and lasts as long as they do. Only the token ends it early.
        using var content = new CallerOwnedStreamContent(request.ContextTar, "application/x-tar");
        using var response = await SendAsync(HttpMethod.Post, $"build?{query}", content, DockerOperations.BuildImage, ct, ct, streaming: true);
        if (!response.IsSuccessStatusCode)
        {
            var message = DockerErrors.EngineMessage(await response.Content.ReadAsStringAsync(ct));
            if (DockerErrors.IsBuildRejection(response.StatusCode, message))
            {
                _logger.LogInformation("The engine rejected the build of {Tag}: {Error}", request.Tag, message);
                return ImageBuildResult.Failed(message);
            }
            throw DockerErrors.FromAnswer(response.StatusCode, message, DockerOperations.BuildImage, null);
        }

        // 200 only means the build started: a failed step arrives as an error line of the progress stream.
        string? imageId = null;
        await using (var body = await response.Content.ReadAsStreamAsync(ct))
        {
            using var reader = new StreamReader(body, Encoding.UTF8);
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                var progress = DockerImageBuild.Parse(line);
                if (progress.Output is { Length: > 0 } output) await onOutput(output, ct);
                if (progress.ImageId is { } id) imageId = id;
                if (progress.Error is { } error)
                {
                    _logger.LogInformation("Build of {Tag} failed: {Error}", request.Tag, error);
                    return ImageBuildResult.Failed(error);
                }
            }
        }

        // Engines that do not send aux.ID: the tag now names the new image.
        imageId ??= await InspectImageIdAsync(request.Tag, ct)
            ?? throw new DockerEngineException(DockerOperations.BuildImage, response.StatusCode,
                $"the build reported no error but image {request.Tag} is not present");
        _logger.LogDebug("Built image {Tag} ({ImageId})", request.Tag, imageId);
        return ImageBuildResult.Succeeded(imageId);
    }

    public async Task RemoveImageAsync(string image, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        // Not forced: an image a container still uses stays (409), and so does a bare id with several tags.
        // Untagged parents (the legacy builder's intermediate images) go with it.
        using var response = await SendAsync(HttpMethod.Delete, $"images/{ImagePath(image)}?force=0&noprune=0", null,
            DockerOperations.RemoveImage, timeout.Token, ct);
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound) return;
        throw await DockerErrors.FromResponseAsync(response, DockerOperations.RemoveImage, null, ct);
    }

    public async Task<IReadOnlyList<ImageSummary>> ListImagesAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Get, $"images/json?filters={LabelFilters(labels)}", null,
            DockerOperations.ListImages, timeout.Token, ct);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.ListImages, null, ct);
        var rows = await response.Content.ReadFromJsonAsync<List<ImageRow>>(Json, timeout.Token) ?? [];
        return
        [
            .. rows.Select(row => new ImageSummary(
                row.Id,
                [.. (row.RepoTags ?? []).Where(tag => tag != "<none>:<none>")],
                row.Labels ?? new Dictionary<string, string>(),
                row.Size,
                DateTimeOffset.FromUnixTimeSeconds(row.Created))),
        ];
    }

    private sealed record ImageRow(string Id, string[]? RepoTags, Dictionary<string, string>? Labels, long Size, long Created);
}
