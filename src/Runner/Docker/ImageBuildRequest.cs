namespace Narwhal.Runner.Docker;

/// <summary>
/// One image build with the engine's legacy builder (<c>POST /build</c>; BuildKit is never asked for).
/// <see cref="DockerImageBuild"/> maps it to the build parameters.
/// </summary>
public sealed record ImageBuildRequest
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>
    /// An uncompressed tar of the build context, read once from its current position and streamed
    /// as the request body (never buffered). The caller keeps ownership: the engine does not dispose it.
    /// </summary>
    public required Stream ContextTar { get; init; }

    /// <summary>Path of the Dockerfile inside the context, e.g. <c>Dockerfile</c> or <c>ci/build.Dockerfile</c>.</summary>
    public string Dockerfile { get; init; } = "Dockerfile";

    /// <summary>Values of the Dockerfile's <c>ARG</c>s.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = Empty;

    /// <summary>The name the image gets, e.g. <c>narwhal/cache:3f2a…</c>. An existing tag moves to the new image.</summary>
    public required string Tag { get; init; }

    /// <summary>Labels set on the final image (on top of the Dockerfile's own <c>LABEL</c>s).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = Empty;

    /// <summary>Pull a newer version of the <c>FROM</c> images even when they are local.</summary>
    public bool Pull { get; init; }

    /// <summary>Remove each step's intermediate container after a successful step.</summary>
    public bool Rm { get; init; } = true;

    /// <summary>Remove intermediate containers even when their step failed (nothing of a failed build lingers as a container).</summary>
    public bool ForceRm { get; init; } = true;
}
