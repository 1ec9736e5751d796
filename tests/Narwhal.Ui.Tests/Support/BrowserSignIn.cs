using Microsoft.Playwright;
using NUnit.Framework;
using static Microsoft.Playwright.Assertions;

namespace Narwhal.Ui.Tests.Support;

/// <summary>Signing a browser page in through the form, as a person does.</summary>
public static class BrowserSignIn
{
    public static async Task SignInAsync(IPage page, string token)
    {
        // Docker creating or removing a network on this host (other test projects run jobs meanwhile) makes Chromium
        // abort the navigation under way with ERR_NETWORK_CHANGED: the test host, not the UI. Signing in is safe to
        // repeat, so an interrupted sign-in is tried again; any other failure fails the test.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SignInOnceAsync(page, token);
                return;
            }
            catch (PlaywrightException ex) when (attempt < 3)
            {
                if (!await InterruptedAsync(page, ex)) throw;
                await TestContext.Out.WriteLineAsync($"sign-in attempt {attempt} interrupted by a network change; again");
            }
        }
    }

    private static async Task SignInOnceAsync(IPage page, string token)
    {
        await page.GotoAsync("/ui");
        // A first attempt interrupted after the cookie was set lands on the dashboard at once.
        if (page.Url.Contains("/ui/sign-in", StringComparison.Ordinal))
        {
            await page.GetByLabel("API token").FillAsync(token);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        }
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
    }

    private static async Task<bool> InterruptedAsync(IPage page, PlaywrightException ex) =>
        ex.Message.Contains("ERR_NETWORK_CHANGED", StringComparison.Ordinal)
        || (await page.ContentAsync()).Contains("ERR_NETWORK_CHANGED", StringComparison.Ordinal);
}
