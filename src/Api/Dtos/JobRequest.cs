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
    /// <summary>Freestyle: plain environment variables for the script (each step's env is merged over them).</summary>
    public Dictionary<string, string>? Env { get; init; }
    /// <summary>
    /// Freestyle: the job is a pipeline of these steps, keyed by step key, in the order written (which the run
    /// keeps); image, script, env, timeoutSeconds and retry above are defaults for every step.
    /// </summary>
    public OrderedDictionary<string, JobStepDto>? Steps { get; init; }
    /// <summary>Pipelines: the first step failing (without allowFailure) stops the others; failure and always steps still run.</summary>
    public bool? FailFast { get; init; }
    public GitSourceRequest? Git { get; init; }
    public List<ParameterRequest>? Parameters { get; init; }
    public int? TimeoutSeconds { get; init; }
    /// <summary><c>{ "onLost": N }</c>: a run whose Runner vanished is queued again up to N times (0-10; default: never).</summary>
    public RetryRequest? Retry { get; init; }
    /// <summary>At most this many runs of the job (or of its concurrencyGroup) at once, 1-1000; the rest wait queued, in trigger order.</summary>
    public int? MaxConcurrent { get; init; }
    /// <summary>Jobs naming the same group share one limit (e.g. one deployment target). Needs maxConcurrent.</summary>
    public string? ConcurrencyGroup { get; init; }
    /// <summary>Git jobs: how the job reacts to GitHub webhooks (push branches and tags, superseded runs, fork secrets, commit statuses).</summary>
    public GithubSettingsRequest? Github { get; init; }
}

/// <summary>
/// <c>github</c> on a git job; every field optional. Pull requests of the job's repository always trigger it; pushes
/// only to <c>pushBranches</c> (names or <c>*</c> globs), tags only with <c>pushTags</c>.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record GithubSettingsRequest
{
    public List<string>? PushBranches { get; init; }
    public bool? PushTags { get; init; }
    public bool? CancelSuperseded { get; init; }
    public bool? ForkSecrets { get; init; }
    public bool? CommitStatuses { get; init; }
    public bool? StepStatuses { get; init; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RetryRequest
{
    public int? OnLost { get; init; }
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
