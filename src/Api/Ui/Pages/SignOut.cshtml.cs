using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Narwhal.Api.Ui.Auth;

namespace Narwhal.Api.Ui.Pages;

/// <summary>Sign-out is a POST (with its antiforgery token): a link or an image elsewhere cannot sign anyone out.</summary>
public sealed class SignOutModel : UiPageModel
{
    public IActionResult OnGet() => Redirect("/ui");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(UiAuth.Scheme);
        return Redirect(UiAuth.SignInPath);
    }
}
