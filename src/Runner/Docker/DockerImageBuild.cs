using System.Text.Json;
using Docker.DotNet.Models;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Pure part of an image build: Docker.DotNet's <see cref="ImageBuildParameters"/> for an <see cref="ImageBuildRequest"/>
/// and the reading of one line of the engine's JSON progress stream. No I/O, unit-tested without an engine.
/// </summary>
/// <remarks>
/// Only the legacy builder exists here: the parameters never carry <c>version=2</c> (BuildKit), and
/// the progress stream is the legacy one — <c>{"stream": "Step 1/3 : …"}</c> for output,
/// <c>{"aux": {"ID": "sha256:…"}}</c> for the built image, <c>{"error": …, "errorDetail": …}</c> when the build fails.
/// </remarks>
public static class DockerImageBuild
{
    /// <summary>What one line of the progress stream says; every part is null when the line says nothing of interest.</summary>
    /// <param name="Output">Build output (step headers, RUN output) — not necessarily a whole line.</param>
    /// <param name="ImageId">The built image's id (<c>aux.ID</c>).</param>
    /// <param name="Error">The build failed with this message.</param>
    public readonly record struct Progress(string? Output, string? ImageId, string? Error);

    /// <summary>The parameters of <c>POST /build</c> for <paramref name="request"/>.</summary>
    public static ImageBuildParameters Parameters(ImageBuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Tag, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Dockerfile, nameof(request));

        return new ImageBuildParameters
        {
            Tags = [request.Tag],
            Dockerfile = request.Dockerfile,
            BuildArgs = new Dictionary<string, string>(request.BuildArgs),
            Labels = new Dictionary<string, string>(request.Labels),
            Remove = request.Rm,
            ForceRemove = request.ForceRm,
            Pull = request.Pull ? "1" : null,
            Version = null, // never "2": BuildKit answers with another progress stream
        };
    }

    /// <summary>Reads one message of the progress stream.</summary>
    public static Progress Read(JSONMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var imageId = message.Aux?.ExtensionData is { } aux && aux.TryGetValue("ID", out var id)
            ? id switch
            {
                string text => text,
                JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
                _ => null,
            }
            : null;
        return new Progress(message.Stream, imageId, message.Error?.Message is { Length: > 0 } error ? error : null);
    }
}
