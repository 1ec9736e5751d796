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

public sealed record SecretSaveResponse(SaveOutcome Outcome, string Name);

/// <summary>Body of PUT /jobs/{name}/git-credentials: an HTTPS token (with an optional user name) or an SSH private key.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record GitCredentialsRequest
{
    public string? Username { get; init; }
    public string? Token { get; init; }
    public string? SshPrivateKey { get; init; }
}

public sealed record GitCredentialsDto(GitCredentialKind Kind, string? Username, DateTime UpdatedAt);

public sealed record GitCredentialsSaveResponse(SaveOutcome Outcome, GitCredentialsDto Credentials);
