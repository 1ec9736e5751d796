using System.Security.Claims;
using Narwhal.Api.Auth;
using Narwhal.Core.Pipelines;

namespace Narwhal.Api.Runs;

/// <summary>Who may decide a gate: a token named in its approvers, or one with a scope it names (<c>scope:admin</c>).</summary>
public static class GateApprovers
{
    /// <summary>Effective scopes count (an admin token has trigger and read too), as for every endpoint.</summary>
    public static bool MayDecide(ClaimsPrincipal user, BlockSpec gate) =>
        gate.Approvers.Any(approver => approver.StartsWith(BlockRules.ScopePrefix, StringComparison.Ordinal)
            ? user.HasClaim(BearerTokenHandler.ScopeClaim, approver[BlockRules.ScopePrefix.Length..])
            : string.Equals(user.Identity?.Name, approver, StringComparison.Ordinal));

    /// <summary>The approvers in words: "tokens with scope admin, or the token 'release-bot'".</summary>
    public static string Describe(BlockSpec gate)
    {
        var scopes = gate.Approvers.Where(a => a.StartsWith(BlockRules.ScopePrefix, StringComparison.Ordinal))
            .Select(a => $"tokens with scope {a[BlockRules.ScopePrefix.Length..]}");
        var names = gate.Approvers.Where(a => !a.StartsWith(BlockRules.ScopePrefix, StringComparison.Ordinal)).Select(a => $"the token '{a}'");
        return string.Join(", or ", scopes.Concat(names));
    }
}
