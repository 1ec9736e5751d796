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
    public GitSource? Git { get; init; }
    public required IReadOnlyList<ParameterDeclaration> Parameters { get; init; }
    public int? TimeoutSeconds { get; init; }
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
        Git = job.Spec.Git,
        Parameters = job.Spec.Parameters,
        TimeoutSeconds = job.Spec.TimeoutSeconds,
        CreatedAt = job.CreatedAt.UtcDateTime,
        UpdatedAt = job.UpdatedAt.UtcDateTime,
    };
}

/// <summary>Answer of PUT /jobs/{name}: what happened (created, updated, unchanged) and the job as stored.</summary>
public sealed record JobSaveResponse(JobSaveOutcome Outcome, JobDto Job);
