using System.Collections.ObjectModel;

namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// A git-repo job's <c>.narwhal.yml</c>, checked and typed by <see cref="JobConfigParser"/>: what to run
/// (<see cref="Script"/>) in which environment (<see cref="Image"/> or <see cref="Build"/>), beside
/// which services. docs/job-config.md describes every key.
/// </summary>
public sealed record JobConfig
{
    /// <summary>A ready image to run the script in. Exactly one of <see cref="Image"/> and <see cref="Build"/> is set.</summary>
    public string? Image { get; init; }

    /// <summary>Builds the environment from a Dockerfile in the repository instead of using a ready image.</summary>
    public BuildConfig? Build { get; init; }

    /// <summary>The commands, at least one, run in order in one shell; the first failing one fails the run.</summary>
    public required IReadOnlyList<string> Script { get; init; }

    /// <summary>Plain environment variables for the script, in file order. No <c>NARWHAL_*</c> or <c>CI</c>.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Sidecar containers by name (a DNS label the script reaches them by), in file order.</summary>
    public IReadOnlyDictionary<string, ServiceConfig> Services { get; init; } = ReadOnlyDictionary<string, ServiceConfig>.Empty;

    /// <summary>The run's time limit; null leaves it to the job and the runner's maximum.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Limits for the script's container; null leaves the runner's defaults.</summary>
    public ResourcesConfig? Resources { get; init; }

    /// <summary>Files to collect after the script: JUnit reports and artifacts.</summary>
    public ResultsConfig Results { get; init; } = new();

    /// <summary>Names of the job's secrets the script receives as environment variables of the same name.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>User to run the script as: <c>uid</c>, <c>uid:gid</c> or a name (optionally <c>name:group</c>); null keeps the image's.</summary>
    public string? User { get; init; }

    /// <summary>Caches restored into the workspace before the script and saved after it succeeded; git jobs only.</summary>
    public IReadOnlyList<CacheConfig> Caches { get; init; } = [];
}
