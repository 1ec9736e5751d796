namespace Narwhal.Runner.JobConfigs;

/// <summary>Globs, relative to the repository root, of the files to collect after the script.</summary>
public sealed record ResultsConfig
{
    /// <summary>JUnit XML reports.</summary>
    public IReadOnlyList<string> Junit { get; init; } = [];

    /// <summary>Files kept with the run.</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = [];
}
