using System.Security.Claims;

namespace Narwhal.Api.Auth;

public static class PrincipalExtensions
{
    /// <summary>Set by the bearer handler for the narwhal CLI; the UI's cookie scheme names the UI.</summary>
    public const string ClientClaim = "narwhal:client";

    /// <summary>How a run this principal triggers is labelled: the CLI, the web UI, or the API.</summary>
    public static Narwhal.Core.Runs.TriggerKind TriggerKind(this ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == Ui.Auth.UiAuth.Scheme ? Narwhal.Core.Runs.TriggerKind.Ui
        : user.FindFirst(ClientClaim)?.Value == "cli" ? Narwhal.Core.Runs.TriggerKind.Cli
        : Narwhal.Core.Runs.TriggerKind.Api;

    public static string TokenName(this ClaimsPrincipal user) =>
        user.Identity?.Name ?? throw new InvalidOperationException("An authenticated request has no token name.");
}
