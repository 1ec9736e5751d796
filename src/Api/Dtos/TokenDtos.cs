using System.Text.Json.Serialization;
using Narwhal.Api.Auth;

namespace Narwhal.Api.Dtos;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TokenRequest
{
    public string? Name { get; init; }
    public List<string>? Scopes { get; init; }
    public DateTime? ExpiresAt { get; init; }
}

public sealed record TokenDto(Guid Id, string Name, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt)
{
    public static TokenDto From(ApiToken t) =>
        new(t.Id, t.Name, t.Scopes.Select(s => s.Name()).ToList(), t.CreatedAt.UtcDateTime, t.ExpiresAt?.UtcDateTime, t.LastUsedAt?.UtcDateTime);
}

/// <summary>Answer of POST /tokens: the only time the secret is shown.</summary>
public sealed record CreatedTokenDto(TokenDto Token, string Secret);
