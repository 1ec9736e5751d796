using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Narwhal.Api.Jobs;
using Narwhal.Core.Jobs;

namespace Narwhal.Api.Dtos;

public sealed record JobDto
{
    public required string Name { get; init; }
    public required JobType Type { get; init; }
    public string? Description { get; init; }
    public required string ResourceClass { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string>? Script { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    /// <summary>A pipeline's steps by key, in their order; absent for a job of one script.</summary>
    public OrderedDictionary<string, JobStepDto>? Steps { get; init; }
    /// <summary>Pipelines only.</summary>
    public bool? FailFast { get; init; }
    public GitSource? Git { get; init; }
    public required IReadOnlyList<ParameterDeclaration> Parameters { get; init; }
    public int? TimeoutSeconds { get; init; }
    /// <summary>Absent = a lost run is not queued again.</summary>
    public RetryPolicy? Retry { get; init; }
    /// <summary>Absent = no limit.</summary>
    public int? MaxConcurrent { get; init; }
    public string? ConcurrencyGroup { get; init; }
    /// <summary>Absent = the defaults: pull requests trigger, pushes and tags do not, forks get no secrets.</summary>
    public GithubSettings? Github { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }

    public static JobDto From(Job job) => new()
    {
        Name = job.Name,
        Type = job.Spec.Type,
        Description = job.Spec.Description,
        ResourceClass = job.Spec.ResourceClass,
        Image = job.Spec.Image,
        Script = job.Spec.Script,
        Env = job.Spec.Env,
        Steps = JobStepDto.MapOf(job.Spec.Steps),
        FailFast = job.Spec.Steps is null ? null : job.Spec.FailFast,
        Git = job.Spec.Git,
        Parameters = job.Spec.Parameters,
        TimeoutSeconds = job.Spec.TimeoutSeconds,
        Retry = job.Spec.Retry,
        MaxConcurrent = job.Spec.MaxConcurrent,
        ConcurrencyGroup = job.Spec.ConcurrencyGroup,
        Github = job.Spec.Github,
        CreatedAt = job.CreatedAt.UtcDateTime,
        UpdatedAt = job.UpdatedAt.UtcDateTime,
    };
}

/// <summary>
/// Answer of PUT /jobs/{name}: what happened (created, updated, unchanged) and the job as stored, or with
/// <c>dryRun</c> what would happen and the job as it would be stored (nothing written). <c>changes</c> lists the
/// spec fields an update changes; it is empty for created and unchanged.
/// </summary>
public sealed record JobSaveResponse(JobSaveOutcome Outcome, bool DryRun, JobDto Job, IReadOnlyList<JobFieldChangeDto> Changes)
{
    public static JobSaveResponse From(JobSaveResult result, bool dryRun) =>
        new(result.Outcome, dryRun, JobDto.From(result.Job), result.Changes.Select(c => new JobFieldChangeDto(c.Field, c.From, c.To)).ToList());
}

/// <summary>One changed field: dot path into the job (<c>git.defaultBranch</c>; arrays such as <c>script</c> whole), the
/// stored value and the new one, any JSON; null (always written) when the field is absent on that side.</summary>
public sealed record JobFieldChangeDto(
    string Field,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonNode? From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonNode? To);
