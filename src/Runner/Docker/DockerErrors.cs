using System.Net;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Turns the engine's error answers (Docker.DotNet's <see cref="DockerApiException"/>) into Narwhal's
/// exceptions. The one place that reads Docker's error strings: the API gives status codes, but a few
/// cases share a status and differ only in text.
/// </summary>
/// <remarks>
/// <code>
/// answer                                         meaning                       becomes
/// ---------------------------------------------  ----------------------------  -----------------------------------
/// create 404 "No such image: X"                  image not local               ImageUnavailableException
/// pull  4xx/5xx, or 200 with an errorDetail     registry/auth/name problem    ImageUnavailableException
/// start 304, stop 304                            already in that state         success (handled by the caller)
/// stop 404, remove 404                           already gone                  success (handled by the caller)
/// remove 409 "removal … already in progress"     someone else is removing it   success (IsRemovalInProgress)
/// logs frame on stream 3 (IOException)           daemon failed reading logs    DockerEngineException (500)
/// network create 201 warning "… already exists"  a network of that name exists DockerEngineException (409), twin removed
/// network remove 404, image remove 404           already gone                  success (handled by the caller)
/// network remove 403 "… has active endpoints"    containers still attached     DockerEngineException (caller's bug)
/// archive 404 "No such container: X"             container gone                DockerEngineException (IsNoSuchContainer)
/// archive get 404 "Could not find the file …"    path missing in container     null (handled by the caller)
/// build 400 (e.g. "dockerfile parse error …")    the Dockerfile is invalid     failed ImageBuildResult (IsBuildRejection)
/// build 500 "Cannot locate specified Dockerfile" Dockerfile not in the context failed ImageBuildResult (IsBuildRejection)
/// build 200, then {"error": ...} in the stream   a step failed, base missing   failed ImageBuildResult
/// exec start 409 "Container X is not running"    nothing to exec into          DockerEngineException
/// anything else non-2xx                          engine refused                DockerEngineException(op, status, message)
/// </code>
/// </remarks>
public static class DockerErrors
{
    /// <summary>The exception for an error answer Docker.DotNet raised during <paramref name="operation"/>.</summary>
    /// <param name="image">The image involved, when the call is about one (create, pull): a 404 then means the image is missing.</param>
    public static Exception FromApiException(DockerApiException error, string operation, string? image) =>
        FromAnswer(error.StatusCode, EngineMessage(error.ResponseBody ?? ""), operation, image);

    /// <summary>The pure part of <see cref="FromApiException"/>.</summary>
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
    /// The error one message of the pull progress stream reports, or null. The engine answers 200 as
    /// soon as the pull starts, so a failed pull shows up only here.
    /// </summary>
    public static string? PullStreamError(JSONMessage message) =>
        message.Error?.Message is { Length: > 0 } error ? error : null;

    /// <summary>
    /// The warning Docker 20.10 gives instead of refusing a second network of the same name (it refuses
    /// only when asked to check duplicates, which the API no longer lets a client ask for).
    /// </summary>
    public static bool IsDuplicateNetworkWarning(string? warning) =>
        warning is not null && warning.Contains("already exists", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A 404 that means the container itself is missing (Docker: "No such container: X"), as opposed
    /// to a path inside it (archive calls answer 404 "Could not find the file …" for that).
    /// </summary>
    public static bool IsNoSuchContainer(HttpStatusCode status, string message) =>
        status == HttpStatusCode.NotFound && message.Contains("No such container", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A non-2xx answer to <c>POST /build</c> that rejects the build's content, not the call: the
    /// Dockerfile does not parse (400) or is not in the context (500 "Cannot locate specified Dockerfile").
    /// The build fails as the job's fault, like a failing step, instead of raising an engine error.
    /// </summary>
    public static bool IsBuildRejection(HttpStatusCode status, string message) =>
        status == HttpStatusCode.BadRequest
        || (status == HttpStatusCode.InternalServerError && message.Contains("Cannot locate specified Dockerfile", StringComparison.OrdinalIgnoreCase));

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
    public const string InspectContainer = "inspect container";
    public const string WaitContainer = "wait container";
    public const string StopContainer = "stop container";
    public const string RemoveContainer = "remove container";
    public const string ListContainers = "list containers";
    public const string CreateNetwork = "create network";
    public const string RemoveNetwork = "remove network";
    public const string ListNetworks = "list networks";
    public const string PutArchive = "put archive";
    public const string GetArchive = "get archive";
    public const string CreateExec = "create exec";
    public const string StartExec = "start exec";
    public const string InspectExec = "inspect exec";
    public const string BuildImage = "build image";
    public const string RemoveImage = "remove image";
    public const string ListImages = "list images";
}
