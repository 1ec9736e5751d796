namespace Narwhal.Runner.JobConfigs;

/// <summary>
/// One item of a step's <c>cache</c>: restored into the workspace before the script when a cache of its key
/// was saved, saved after a script that succeeded when none was. docs/job-config.md ("Caches").
/// </summary>
public sealed record CacheConfig
{
    /// <summary>The key template as written (see <see cref="CacheKeyTemplate"/>); resolved by the Runner at the run's commit.</summary>
    public required string Key { get; init; }

    /// <summary>Files or folders relative to the workspace, normalized (<c>./node_modules/</c> is <c>node_modules</c>).</summary>
    public required IReadOnlyList<string> Paths { get; init; }
}
