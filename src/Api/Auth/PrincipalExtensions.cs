using System.Security.Claims;

namespace Narwhal.Api.Auth;

public static class PrincipalExtensions
{
    public static string TokenName(this ClaimsPrincipal user) =>
        user.Identity?.Name ?? throw new InvalidOperationException("An authenticated request has no token name.");
}
