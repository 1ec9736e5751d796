using System.Security.Claims;
using Narwhal.Api.Auth;

namespace Narwhal.Api.Ui.Auth;

/// <summary>
/// The web UI's session: an ASP.NET cookie (HttpOnly, SameSite=Lax, Secure over HTTPS, 8 h sliding) holding the
/// token's id, name and effective scopes, protected by Data Protection. The token's secret is never stored. The claims
/// are the bearer handler's, so the same scope requirement decides what a session may do.
/// </summary>
public static class UiAuth
{
    public const string Scheme = "NarwhalUi";
    public const string CookieName = "narwhal_ui";
    public const string SignInPath = "/ui/sign-in";

    /// <summary>The UI's policy for a scope: the scope requirement of the REST API, authenticated by the cookie.</summary>
    public static string Policy(Scope scope) => $"ui:{scope.Name()}";

    public static ClaimsPrincipal PrincipalFor(ApiToken token)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, token.Name),
            new(BearerTokenHandler.TokenIdClaim, token.Id.ToString()),
        };
        claims.AddRange(Scopes.Effective(token.Scopes).Select(s => new Claim(BearerTokenHandler.ScopeClaim, s.Name())));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    /// <summary>Whether the signed-in token has <paramref name="scope"/>: pages show only the actions it allows.</summary>
    public static bool Can(this ClaimsPrincipal user, Scope scope) =>
        user.HasClaim(BearerTokenHandler.ScopeClaim, scope.Name());

    public static Guid? TokenId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(BearerTokenHandler.TokenIdClaim), out var id) ? id : null;

    /// <summary>The highest scope, for the header ("admin", "trigger", "read").</summary>
    public static string Role(this ClaimsPrincipal user) =>
        user.Can(Scope.Admin) ? Scope.Admin.Name() : user.Can(Scope.Trigger) ? Scope.Trigger.Name() : Scope.Read.Name();
}
