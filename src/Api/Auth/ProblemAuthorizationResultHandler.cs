using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Narwhal.Api.Auth;

/// <summary>Turns a forbidden result into 403 problem+json naming the scope the operation needs.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (!result.Forbidden) return _default.HandleAsync(next, context, policy, result);

        var needed = result.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope.ToString().ToLowerInvariant())
            ?? [];
        var has = context.User.FindAll(BearerTokenHandler.ScopeClaim).Select(c => c.Value);
        var detail = $"This operation needs the '{string.Join("', '", needed)}' scope; the token '{context.User.Identity?.Name}' has: {string.Join(", ", has)}.";
        return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail).ExecuteAsync(context);
    }
}
