using System.Text;
using System.Text.Json;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Pure part of an image build: the <c>POST /build</c> query string for an <see cref="ImageBuildRequest"/>
/// and the reading of one line of the engine's JSON progress stream. No I/O, unit-tested without an engine.
/// </summary>
/// <remarks>
/// Only the legacy builder exists here: the query never carries <c>version=2</c> (BuildKit), and
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

    /// <summary>The query string (without "?") of <c>POST /build</c> for <paramref name="request"/>.</summary>
    public static string Query(ImageBuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Tag, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Dockerfile, nameof(request));

        var query = new StringBuilder();
        Add(query, "t", request.Tag);
        Add(query, "dockerfile", request.Dockerfile);
        Add(query, "buildargs", JsonSerializer.Serialize(request.BuildArgs));
        Add(query, "labels", JsonSerializer.Serialize(request.Labels));
        Add(query, "rm", request.Rm ? "1" : "0");
        Add(query, "forcerm", request.ForceRm ? "1" : "0");
        if (request.Pull) Add(query, "pull", "1");
        return query.ToString();
    }

    /// <summary>Reads one line of the progress stream. Lines that are not JSON objects say nothing (the stream is informational).</summary>
    public static Progress Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return default;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var message = doc.RootElement;
            if (message.ValueKind != JsonValueKind.Object) return default;
            return new Progress(
                message.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.String ? stream.GetString() : null,
                message.TryGetProperty("aux", out var aux) && aux.ValueKind == JsonValueKind.Object
                    && aux.TryGetProperty("ID", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null,
                DockerErrors.ProgressStreamError(message));
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static void Add(StringBuilder query, string name, string value)
    {
        if (query.Length > 0) query.Append('&');
        query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }
}
