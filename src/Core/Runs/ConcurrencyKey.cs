using Narwhal.Core.Jobs;

namespace Narwhal.Core.Runs;

/// <summary>
/// The key that runs sharing one concurrency limit carry (<c>runs.concurrency_key</c>): the job's
/// <see cref="JobSpec.ConcurrencyGroup"/> when it names one, the job itself when it only sets
/// <see cref="JobSpec.MaxConcurrent"/>. Prefixed, so a group and a job of the same name stay apart.
/// The gate itself is in migrations/0007_concurrency.sql.
/// </summary>
public static class ConcurrencyKey
{
    private const string GroupPrefix = "group:";
    private const string JobPrefix = "job:";

    /// <summary>Null when the job has no limit.</summary>
    public static string? Of(string jobName, JobSpec spec) =>
        spec.MaxConcurrent is null ? null
        : spec.ConcurrencyGroup is { } group ? GroupPrefix + group
        : JobPrefix + jobName;

    /// <summary>The key of a pipeline step's <c>concurrencyGroup</c>: the same namespace as a job's group.</summary>
    public static string OfGroup(string group) => GroupPrefix + group;

    /// <summary>What a held run waits for, in words: "concurrency group 'deploy-prod'", "maxConcurrent of job 'deploy'".</summary>
    public static string Describe(string key) =>
        key.StartsWith(GroupPrefix, StringComparison.Ordinal) ? $"concurrency group '{key[GroupPrefix.Length..]}'"
        : key.StartsWith(JobPrefix, StringComparison.Ordinal) ? $"maxConcurrent of job '{key[JobPrefix.Length..]}'"
        : key;
}
