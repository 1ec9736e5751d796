using System.Net;

namespace Narwhal.Runner.Docker;

/// <summary>The engine answered a call with an error (see <see cref="DockerErrors"/> for how answers are classified).</summary>
public sealed class DockerEngineException(string operation, HttpStatusCode statusCode, string engineMessage)
    : Exception($"Docker engine call '{operation}' failed with {(int)statusCode} {statusCode}: {engineMessage}")
{
    /// <summary>What was attempted, e.g. "create container", "start container".</summary>
    public string Operation => operation;

    public HttpStatusCode StatusCode => statusCode;

    /// <summary>The engine's "message" field (or the raw body when there was none).</summary>
    public string EngineMessage => engineMessage;
}
