using System.Text.Json.Serialization;

namespace Narwhal.Core.Jobs;

/// <summary>
/// Everything a job is, but its name, in canonical form: defaults filled in, so that two PUTs
/// meaning the same job store byte-identical JSON and the second one is recognised as "unchanged".
/// </summary>
public sealed record JobSpec
{
    public required JobType Type { get; init; }
    public required string ResourceClass { get; init; }
    public string? Description { get; init; }

    /// <summary>Freestyle: the image the script runs in.</summary>
    public string? Image { get; init; }

    /// <summary>Freestyle: commands run in order in one shell; the first failing one fails the run.</summary>
    public IReadOnlyList<string>? Script { get; init; }

    /// <summary>Freestyle: plain environment variables for the script (for every step of a pipeline).</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>
    /// Freestyle: the job is a pipeline of these steps, in the order written; <see cref="Image"/>, <see cref="Script"/>,
    /// <see cref="Env"/>, <see cref="TimeoutSeconds"/> and <see cref="Retry"/> are then defaults for each. Null: one script.
    /// </summary>
    public IReadOnlyList<JobStep>? Steps { get; init; }

    /// <summary>Freestyle pipelines: the first step failing (without allowFailure) aborts the steps still running or queued.</summary>
    // Left out when off: the stored spec of a job saved before pipelines existed stays byte-identical.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool FailFast { get; init; }

    /// <summary>Git: where the repository and its job config are.</summary>
    public GitSource? Git { get; init; }

    public IReadOnlyList<ParameterDeclaration> Parameters { get; init; } = [];

    /// <summary>Null = the Runner's global maximum.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>Null = no retry. A lost run (its Runner went silent) is queued again only when the job opted in.</summary>
    public RetryPolicy? Retry { get; init; }

    /// <summary>At most this many runs of the job (or of its <see cref="ConcurrencyGroup"/>) run at once; null = no limit.</summary>
    public int? MaxConcurrent { get; init; }

    /// <summary>Jobs naming the same group share one <see cref="MaxConcurrent"/> limit (e.g. one deployment target).</summary>
    public string? ConcurrencyGroup { get; init; }

    /// <summary>How a git job reacts to GitHub webhooks and reports back; null = defaults (see <see cref="GithubSettings"/>).</summary>
    public GithubSettings? Github { get; init; }
}

/// <summary>
/// <c>github:</c> on a git job. Pull requests (opened, synchronize, reopened) of the job's repository
/// always trigger it; everything else is opt-in.
/// </summary>
public sealed record GithubSettings
{
    /// <summary>Branches whose pushes trigger the job: exact names or globs with <c>*</c> ("main", "release/*"). None by default.</summary>
    public IReadOnlyList<string>? PushBranches { get; init; }

    /// <summary>Tag pushes trigger the job too (off by default).</summary>
    public bool PushTags { get; init; }

    /// <summary>A new push to a pull request aborts this job's queued or running runs for older commits of it.</summary>
    public bool CancelSuperseded { get; init; }

    /// <summary>Runs of pull requests from forks get the job's secrets and git credentials (off: a fork's code must not read them).</summary>
    public bool ForkSecrets { get; init; }

    /// <summary>Report commit statuses for every run of this job (not only GitHub-triggered ones), when its repository is on GitHub.</summary>
    public bool CommitStatuses { get; init; }

    /// <summary>
    /// Where statuses are reported: one more per pipeline step (context <c>narwhal/&lt;job&gt;/&lt;step&gt;</c>), so a
    /// branch protection rule can require a single step. Left out when off (the stored spec of an older job stays the same).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool StepStatuses { get; init; }
}

/// <summary>
/// <c>retry: { onLost: N }</c>: when a run is lost, queue up to N new attempts of it. Off by default:
/// a deployment half-done by a vanished Runner must not silently run again.
/// </summary>
public sealed record RetryPolicy
{
    public int OnLost { get; init; }
}
