using System.Collections.ObjectModel;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// An environment built from a Dockerfile in the repository. Both paths are relative to the
/// repository root and stay inside it, as with <c>docker build -f ci/Dockerfile ctx</c> run from
/// the root: the Dockerfile need not lie inside the context.
/// </summary>
public sealed record BuildConfig
{
    /// <summary>Relative to the repository root; <c>&lt;context&gt;/Dockerfile</c> when the file does not say.</summary>
    public string Dockerfile { get; init; } = "Dockerfile";

    /// <summary>The build context, a folder.</summary>
    public string Context { get; init; } = ".";

    /// <summary>Build arguments (Dockerfile <c>ARG</c>s), in file order.</summary>
    public IReadOnlyDictionary<string, string> Args { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>
    /// The Dockerfile's path inside the context (what the engine's <c>dockerfile</c> parameter names
    /// in the context's tar), or null when it lies outside the context and must be sent beside it.
    /// </summary>
    public string? DockerfileInContext()
    {
        var file = RepoPaths.Normalize(Dockerfile);
        var context = RepoPaths.Normalize(Context);
        if (context.Length == 0) return file;
        return file.StartsWith(context + "/", StringComparison.Ordinal) ? file[(context.Length + 1)..] : null;
    }
}
