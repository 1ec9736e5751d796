using Microsoft.AspNetCore.Authorization;

namespace Narwhal.Api.Auth;

public sealed record ScopeRequirement(Scope Scope) : IAuthorizationRequirement;

public sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.HasClaim(BearerTokenHandler.ScopeClaim, requirement.Scope.Name()))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
