using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Narwhal.Api.Auth;

namespace Narwhal.Api.Ui.Auth;

/// <summary>
/// Ends a UI session whose token was revoked or expired: every request with the cookie asks Postgres whether the
/// token is still active, at most once per <see cref="CacheFor"/> per token and Api replica (a revocation takes
/// effect within that time everywhere).
/// </summary>
public sealed class SessionRecheck(TokenActivity tokens, TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<Guid, (bool Active, DateTimeOffset CheckedAt)> _recent = new();

    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.TokenId();
        if (id is null || !await IsActiveAsync(id.Value, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(UiAuth.Scheme);
        }
    }

    private async Task<bool> IsActiveAsync(Guid id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_recent.TryGetValue(id, out var seen) && now - seen.CheckedAt < CacheFor) return seen.Active;
        var active = await tokens.IsActiveAsync(id, ct);
        _recent[id] = (active, now);
        if (_recent.Count > 10_000) _recent.Clear(); // bounded: tokens are few, this only guards against growth
        return active;
    }
}
