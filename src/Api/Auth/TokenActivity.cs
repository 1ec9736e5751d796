using Dapper;
using Npgsql;

namespace Narwhal.Api.Auth;

/// <summary>
/// Whether a token is still usable (not revoked, not expired), by id: what a web UI session, which holds the token's
/// id and never its secret, re-checks on its requests.
/// </summary>
public sealed class TokenActivity(NpgsqlDataSource db)
{
    public async Task<bool> IsActiveAsync(Guid tokenId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM api_tokens
                           WHERE id = @tokenId AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()))
            """, new { tokenId }, cancellationToken: ct));
    }
}
