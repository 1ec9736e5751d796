using Dapper;
using Narwhal.Api.Errors;
using Npgsql;

namespace Narwhal.Api.Auth;

public enum TokenCheck { Valid, Unknown, Expired, Revoked }

public sealed class TokenStore(NpgsqlDataSource db, TimeProvider clock)
{
    public const string BootstrapName = "bootstrap-admin";
    private const string ActiveNameIndex = "api_tokens_active_name";

    private sealed class TokenRow
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public string[] Scopes { get; set; } = [];
        public DateTime CreatedAt { get; set; }
        public DateTime? ExpiresAt { get; set; }
        public DateTime? LastUsedAt { get; set; }
        public DateTime? RevokedAt { get; set; }

        public ApiToken ToToken() => new()
        {
            Id = Id,
            Name = Name,
            Scopes = Scopes.Select(s => Auth.Scopes.TryParse(s, out var scope) ? scope : throw new FormatException($"Unknown scope '{s}' stored")).ToList(),
            CreatedAt = Utc(CreatedAt)!.Value,
            ExpiresAt = Utc(ExpiresAt),
            LastUsedAt = Utc(LastUsedAt),
            RevokedAt = Utc(RevokedAt),
        };

        private static DateTimeOffset? Utc(DateTime? value) =>
            value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
    }

    private const string Columns = "id, name, scopes, created_at, expires_at, last_used_at, revoked_at";

    /// <summary>Finds the token a bearer secret belongs to and says whether it may be used now.</summary>
    public async Task<(TokenCheck Check, ApiToken? Token)> CheckAsync(string secret, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(
            $"SELECT {Columns} FROM api_tokens WHERE token_hash = @hash", new { hash = TokenSecrets.Hash(secret) }, cancellationToken: ct));
        if (row is null) return (TokenCheck.Unknown, null);
        var token = row.ToToken();
        if (token.RevokedAt is not null) return (TokenCheck.Revoked, token);
        if (token.ExpiresAt is { } expires && expires <= clock.GetUtcNow()) return (TokenCheck.Expired, token);

        // lastUsedAt to the minute: one write per token per minute, not one per request.
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE api_tokens SET last_used_at = now()
            WHERE id = @Id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            """, new { token.Id }, cancellationToken: ct));
        return (TokenCheck.Valid, token);
    }

    /// <returns>The token and its secret (shown once), or null when an active token has that name.</returns>
    public async Task<(ApiToken Token, string Secret)?> CreateAsync(string name, IReadOnlyCollection<Scope> scopes, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        var secret = TokenSecrets.Generate();
        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var row = await connection.QuerySingleAsync<TokenRow>(new CommandDefinition($"""
                INSERT INTO api_tokens (id, name, token_hash, scopes, expires_at)
                VALUES (@id, @name, @hash, @scopes, @expiresAt)
                RETURNING {Columns}
                """, new
            {
                id = Guid.CreateVersion7(), name, hash = TokenSecrets.Hash(secret),
                scopes = scopes.Select(s => s.Name()).Distinct().ToArray(), expiresAt = expiresAt?.UtcDateTime,
            }, cancellationToken: ct));
            return (row.ToToken(), secret);
        }
        catch (PostgresException ex) when (PostgresErrors.IsUniqueViolation(ex, ActiveNameIndex))
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<TokenRow>(new CommandDefinition(
            $"SELECT {Columns} FROM api_tokens WHERE revoked_at IS NULL ORDER BY name", cancellationToken: ct));
        return rows.Select(r => r.ToToken()).ToList();
    }

    /// <returns>False when no active token has that id.</returns>
    public async Task<bool> RevokeAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_tokens SET revoked_at = now() WHERE id = @id AND revoked_at IS NULL", new { id }, cancellationToken: ct)) == 1;
    }

    /// <summary>
    /// Makes the configured first admin token valid (NARWHAL_ADMIN_TOKEN). A changed value
    /// revokes the previous one, so rotating the setting really rotates the token.
    /// </summary>
    public async Task EnsureBootstrapAdminAsync(string secret, CancellationToken ct)
    {
        var hash = TokenSecrets.Hash(secret);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Serialise concurrent starts of several Api replicas.
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtext('narwhal.bootstrap-admin'))", transaction: tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_tokens SET revoked_at = now() WHERE name = @name AND revoked_at IS NULL AND token_hash <> @hash",
            new { name = BootstrapName, hash }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO api_tokens (id, name, token_hash, scopes) VALUES (@id, @name, @hash, ARRAY['admin'])
            ON CONFLICT (token_hash) DO UPDATE SET revoked_at = NULL
            """, new { id = Guid.CreateVersion7(), name = BootstrapName, hash }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }
}
