using System.Text.Json.Serialization;
using Narwhal.Core.Jobs;

namespace Narwhal.Api.Dtos;

/// <summary>Body of PUT /jobs/{name}. Unknown properties are refused: a typo in infrastructure-as-code must not pass silently.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record JobRequest
{
    public JobType? Type { get; init; }
    public string? Description { get; init; }
    public string? ResourceClass { get; init; }
    public string? Image { get; init; }
    public List<string>? Script { get; init; }
    public GitSourceRequest? Git { get; init; }
    public List<ParameterRequest>? Parameters { get; init; }
    public int? TimeoutSeconds { get; init; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record GitSourceRequest
{
    public string? Url { get; init; }
    public string? ConfigPath { get; init; }
    public string? DefaultBranch { get; init; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ParameterRequest
{
    public string? Name { get; init; }
    public string? Default { get; init; }
    public bool Required { get; init; }
    public string? Description { get; init; }
}
