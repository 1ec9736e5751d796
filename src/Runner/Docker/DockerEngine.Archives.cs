using System.Net;

namespace Narwhal.Runner.Docker;

// Archives: files into a container (workspace, before start) and out of it (artifacts, after exit).
public sealed partial class DockerEngine
{
    /// <summary>
    /// Bound on copying one archive into a container. Generous: the tar is streamed from the
    /// caller's stream (which may itself be a download), not from memory.
    /// </summary>
    public static readonly TimeSpan ArchiveTimeout = TimeSpan.FromMinutes(30);

    public async Task PutArchiveAsync(string containerId, string path, Stream tar, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var timeout = Bounded(ArchiveTimeout, ct);
        using var content = new CallerOwnedStreamContent(tar, "application/x-tar");
        // noOverwriteDirNonDir=1, as `docker cp` does: a file never replaces a directory or the reverse.
        // No copyUIDGID: entries keep the owners written in the tar.
        using var response = await SendAsync(HttpMethod.Put,
            $"containers/{Id(containerId)}/archive?path={Uri.EscapeDataString(path)}&noOverwriteDirNonDir=1",
            content, DockerOperations.PutArchive, timeout.Token, ct);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.PutArchive, null, ct);
    }

    public async Task<Stream?> GetArchiveAsync(string containerId, string path, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        HttpResponseMessage response;
        // The timeout bounds the engine's answer only; reading the body is bounded by the caller's tokens.
        using (var timeout = Bounded(RequestTimeout, ct))
        {
            response = await SendAsync(HttpMethod.Get, $"containers/{Id(containerId)}/archive?path={Uri.EscapeDataString(path)}",
                null, DockerOperations.GetArchive, timeout.Token, ct, streaming: true);
        }
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                var message = DockerErrors.EngineMessage(await response.Content.ReadAsStringAsync(ct));
                // 404 is either the path (→ null) or the container itself (→ error: the caller lost track of it).
                if (response.StatusCode == HttpStatusCode.NotFound && !DockerErrors.IsNoSuchContainer(response.StatusCode, message))
                {
                    response.Dispose();
                    return null;
                }
                throw DockerErrors.FromAnswer(response.StatusCode, message, DockerOperations.GetArchive, null);
            }
            return new ResponseBodyStream(response, await response.Content.ReadAsStreamAsync(ct));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
