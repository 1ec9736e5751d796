using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Narwhal.Api.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer nwl_…</c> against the hashed tokens in Postgres.
/// A failed challenge answers 401 problem+json saying what was wrong with the token.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, TokenStore tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";
    public const string ScopeClaim = "scope";
    public const string TokenIdClaim = "token_id";
    private const string FailureItem = "narwhal.auth.failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return Fail("Missing Authorization header; send 'Authorization: Bearer <token>'.");
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Fail("The Authorization header must use the Bearer scheme.");
        var secret = header["Bearer ".Length..].Trim();
        if (secret.Length is 0 or > 200) return Fail("The bearer token is empty or too long.");

        var (check, token) = await tokens.CheckAsync(secret, Context.RequestAborted);
        switch (check)
        {
            case TokenCheck.Unknown: return Fail("The bearer token is not valid.");
            case TokenCheck.Revoked: return Fail($"The token '{token!.Name}' has been revoked.");
            case TokenCheck.Expired: return Fail($"The token '{token!.Name}' expired at {token.ExpiresAt:O}.");
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, token!.Name), new(TokenIdClaim, token.Id.ToString()) };
        // Which client sent it, for the runs it triggers: a label shown in run history.
        if (Request.Headers.UserAgent.ToString().StartsWith("narwhal-cli/", StringComparison.Ordinal))
            claims.Add(new Claim(PrincipalExtensions.ClientClaim, "cli"));
        claims.AddRange(Scopes.Effective(token.Scopes).Select(s => new Claim(ScopeClaim, s.Name())));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureItem] = reason;
        return AuthenticateResult.Fail(reason);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var reason = Context.Items[FailureItem] as string ?? "Authentication is required.";
        Response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_token\", error_description=\"{reason.Replace("\"", "'")}\"";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: reason)
            .ExecuteAsync(Context);
    }
}
