namespace Narwhal.Api.Auth;

public sealed record ApiToken
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<Scope> Scopes { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
}
