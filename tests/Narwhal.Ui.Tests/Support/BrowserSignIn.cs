using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Narwhal.Ui.Tests.Support;

/// <summary>Signing a browser page in through the form, as a person does.</summary>
public static class BrowserSignIn
{
    public static async Task SignInAsync(IPage page, string token)
    {
        await page.GotoAsync("/ui");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/ui/sign-in"));
        await page.GetByLabel("API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
    }
}
