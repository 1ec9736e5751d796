using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Narwhal.Api.Auth;
using Narwhal.Api.Ui.Auth;

namespace Narwhal.Api.Ui.Pages;

/// <summary>
/// Sign-in with an API token: the form posts it, <see cref="TokenStore"/> checks it (hash, revocation, expiry), and the
/// session cookie gets the token's id, name and scopes — never the secret.
/// </summary>
public sealed class SignInModel(TokenStore tokens, UiSettings settings) : UiPageModel
{
    public int SessionHours => (int)settings.SessionLifetime.TotalHours;

    [BindProperty] public string? Token { get; set; }

    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var secret = Token?.Trim();
        if (string.IsNullOrEmpty(secret) || secret.Length > 200)
        {
            Error = "Paste an API token (nwl_…).";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var (check, token) = await tokens.CheckAsync(secret, ct);
        Error = check switch
        {
            TokenCheck.Unknown => "That token is not valid.",
            TokenCheck.Revoked => $"The token '{token!.Name}' has been revoked.",
            TokenCheck.Expired => $"The token '{token!.Name}' has expired.",
            _ => null,
        };
        if (Error is not null)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        await HttpContext.SignInAsync(UiAuth.Scheme, UiAuth.PrincipalFor(token!), new AuthenticationProperties { IsPersistent = false });
        return LocalRedirect(SafeReturnUrl(ReturnUrl));
    }

    /// <summary>Only a page of this UI: never another site, nor an API route.</summary>
    private string SafeReturnUrl(string? url) =>
        url is not null && Url.IsLocalUrl(url) && (url == "/ui" || url.StartsWith("/ui/", StringComparison.Ordinal) || url.StartsWith("/ui?", StringComparison.Ordinal))
            ? url
            : "/ui";
}
