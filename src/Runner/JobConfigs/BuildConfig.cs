using System.Collections.ObjectModel;

namespace Narwhal.Runner.JobConfigs;

/// <summary>An environment built from a Dockerfile in the repository. Both paths are relative to the repository root and stay inside it.</summary>
public sealed record BuildConfig
{
    public string Dockerfile { get; init; } = "Dockerfile";

    /// <summary>The build context, a folder.</summary>
    public string Context { get; init; } = ".";

    /// <summary>Build arguments (Dockerfile <c>ARG</c>s), in file order.</summary>
    public IReadOnlyDictionary<string, string> Args { get; init; } = ReadOnlyDictionary<string, string>.Empty;
}
