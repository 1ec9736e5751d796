using Narwhal.Runner.JobConfigs;

namespace Narwhal.Runner.Execution;

/// <summary>Where a container's image comes from: a ready image, or a build from the run's workspace.</summary>
public sealed record ImageSource(string? Image, BuildConfig? Build)
{
    public override string ToString() => Image ?? $"build of {Build!.Dockerfile} in {Build.Context}";
}

/// <summary>A git commit the run's workspace (and build contexts) come from.</summary>
public sealed record WorkspaceSource(string Url, string CommitSha);

public sealed record ServicePlan(string Name, ImageSource Image, IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string>? Command, string? Ready, TimeSpan ReadyTimeout);

/// <summary>Everything needed to execute a run, whether it came from a freestyle job or a repository's config.</summary>
public sealed record JobPlan
{
    public required ImageSource Image { get; init; }
    public required IReadOnlyList<string> Script { get; init; }
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    /// <summary>Every value to mask in the log (all the job's secrets, whether the script asked for them or not).</summary>
    public required IReadOnlyCollection<string> SecretValues { get; init; }
    public IReadOnlyList<ServicePlan> Services { get; init; } = [];
    public WorkspaceSource? Workspace { get; init; }
    public string? User { get; init; }
    public double? Cpus { get; init; }
    public long? MemoryBytes { get; init; }
    public TimeSpan? Timeout { get; init; }
    /// <summary>Files to copy out of the container after the script (globs relative to the workspace).</summary>
    public ResultsConfig Results { get; init; } = new();
    /// <summary>Caches restored before the script and saved after it succeeded (git jobs: they need a workspace).</summary>
    public IReadOnlyList<CacheConfig> Caches { get; init; } = [];
    /// <summary>Lines the Runner writes into the console before anything runs (e.g. why secrets were withheld).</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];
}
