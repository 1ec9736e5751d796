namespace Narwhal.Runner.Docker;

/// <summary>
/// How a build ended. A build that the Dockerfile or its steps made fail is a result with
/// <see cref="Success"/> false and the engine's <see cref="Error"/> (it is the job's problem, not the engine's);
/// a failure to talk to the engine is an exception instead.
/// </summary>
/// <param name="ImageId">The built image's id (<c>sha256:…</c>); null when the build failed.</param>
/// <param name="Error">The engine's message, e.g. "The command '/bin/sh -c make' returned a non-zero code: 2"; null on success.</param>
public sealed record ImageBuildResult(bool Success, string? ImageId, string? Error)
{
    public static ImageBuildResult Succeeded(string imageId) => new(true, imageId, null);

    public static ImageBuildResult Failed(string error) => new(false, null, error);
}
