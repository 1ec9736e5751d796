using System.Text.Json.Serialization;
using Narwhal.Core.Jobs;

namespace Narwhal.Api.Dtos;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SecretValueRequest
{
    public string? Value { get; init; }
}

/// <summary>What the API shows of a secret: its name and when it changed, never its value.</summary>
public sealed record SecretDto(string Name, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static SecretDto From(JobSecretInfo s) => new(s.Name, s.CreatedAt.UtcDateTime, s.UpdatedAt.UtcDateTime);
}

/// <summary>Answer of PUT /jobs/{name}/secrets/{key}: the outcome (with <c>dryRun</c>: the outcome it would be, nothing written). Never the value.</summary>
public sealed record SecretSaveResponse(SaveOutcome Outcome, bool DryRun, string Name);

/// <summary>Body of PUT /jobs/{name}/git-credentials: an HTTPS token (with an optional user name) or an SSH private key.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record GitCredentialsRequest
{
    public string? Username { get; init; }
    public string? Token { get; init; }
    public string? SshPrivateKey { get; init; }
}

public sealed record GitCredentialsDto(GitCredentialKind Kind, string? Username, DateTime UpdatedAt);

/// <summary>Answer of PUT /jobs/{name}/git-credentials: the outcome and what is shown of the credentials as stored
/// (with <c>dryRun</c>: as they would be stored, nothing written). Never the token or key.</summary>
public sealed record GitCredentialsSaveResponse(SaveOutcome Outcome, bool DryRun, GitCredentialsDto Credentials);
