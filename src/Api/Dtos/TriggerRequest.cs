using System.Text.Json.Serialization;

namespace Narwhal.Api.Dtos;

/// <summary>Body of POST /jobs/{name}/runs (optional: an empty body triggers the default branch).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TriggerRequest
{
    public string? CommitSha { get; init; }
    public string? BranchName { get; init; }
    public Dictionary<string, string>? Parameters { get; init; }
}
