using System.Net;
using System.Text.Json;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Turns the engine's error answers into exceptions. The one place that reads Docker's error
/// strings: the API gives status codes, but a few cases share a status and differ only in text.
/// </summary>
/// <remarks>
/// <code>
/// answer                                         meaning                       becomes
/// ---------------------------------------------  ----------------------------  -----------------------------------
/// create 404 "No such image: X"                  image not local               ImageUnavailableException
/// pull  4xx/5xx, or 200 with {"error": ...}      registry/auth/name problem    ImageUnavailableException
/// start 304, stop 304                            already in that state         success (handled by the caller)
/// stop 404, remove 404                           already gone                  success (handled by the caller)
/// remove 409 "removal … already in progress"     someone else is removing it   success (IsRemovalInProgress)
/// logs frame on stream 3                         daemon failed reading logs    DockerEngineException (500)
/// anything else non-2xx                          engine refused                DockerEngineException(op, status, message)
/// </code>
/// </remarks>
public static class DockerErrors
{
    /// <summary>Reads the error body of <paramref name="response"/> and builds the exception for <paramref name="operation"/>.</summary>
    /// <param name="image">The image involved, when the call is about one (create, pull): a 404 then means the image is missing.</param>
    public static async Task<Exception> FromResponseAsync(HttpResponseMessage response, string operation, string? image, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return FromAnswer(response.StatusCode, EngineMessage(body), operation, image);
    }

    /// <summary>The pure part of <see cref="FromResponseAsync"/>.</summary>
    public static Exception FromAnswer(HttpStatusCode status, string message, string operation, string? image)
    {
        if (image is not null && operation == DockerOperations.PullImage)
            return new ImageUnavailableException(image, message);
        if (image is not null && status == HttpStatusCode.NotFound && message.Contains("No such image", StringComparison.OrdinalIgnoreCase))
            return new ImageUnavailableException(image, message);
        return new DockerEngineException(operation, status, message);
    }

    /// <summary>
    /// A 409 on remove that only says another remove of the same container is under way
    /// (Docker: "removal of container X is already in progress").
    /// </summary>
    public static bool IsRemovalInProgress(HttpStatusCode status, string message) =>
        status == HttpStatusCode.Conflict && message.Contains("already in progress", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One line of the pull progress stream; returns the error it reports, or null. The engine
    /// answers 200 as soon as the pull starts, so a failed pull shows up only here.
    /// </summary>
    public static string? PullStreamError(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            if (doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                return error.GetString();
            if (doc.RootElement.TryGetProperty("errorDetail", out var detail) && detail.ValueKind == JsonValueKind.Object
                && detail.TryGetProperty("message", out var detailMessage) && detailMessage.ValueKind == JsonValueKind.String)
                return detailMessage.GetString();
            return null;
        }
        catch (JsonException)
        {
            return null; // progress lines are informational; only a well-formed error counts
        }
    }

    /// <summary>The daemon reported (on stream 3 of the log stream) that it could not produce the logs.</summary>
    public static DockerEngineException FromLogStreamError(string message) =>
        new(DockerOperations.StreamLogs, HttpStatusCode.InternalServerError, message.TrimEnd());

    /// <summary>The "message" field of an error body, or the trimmed body itself when it is not Docker's JSON.</summary>
    public static string EngineMessage(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return "(empty answer)";
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                return message.GetString() ?? body.Trim();
        }
        catch (JsonException)
        {
        }
        return body.Trim();
    }
}

/// <summary>Operation names carried by <see cref="DockerEngineException.Operation"/>.</summary>
public static class DockerOperations
{
    public const string InspectImage = "inspect image";
    public const string PullImage = "pull image";
    public const string CreateContainer = "create container";
    public const string StartContainer = "start container";
    public const string StreamLogs = "stream logs";
    public const string WaitContainer = "wait container";
    public const string StopContainer = "stop container";
    public const string RemoveContainer = "remove container";
    public const string ListContainers = "list containers";
}
