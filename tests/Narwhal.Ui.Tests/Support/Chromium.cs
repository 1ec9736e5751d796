using Microsoft.Playwright;
using NUnit.Framework;

namespace Narwhal.Ui.Tests.Support;

/// <summary>
/// Debian's Chromium driven by Playwright. Playwright's own browser download is never used (no `playwright install`):
/// scripts/services.sh installs the <c>chromium</c> package, and these tests fail saying so when it is missing.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    // The flags that work on the build machines (see ENVIRONMENT.md); Playwright adds --headless itself.
    private static readonly string[] Flags =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
            Assert.Fail($"Chromium is missing at {ExecutablePath}: the web UI tests drive Debian's chromium package. " +
                        "Run scripts/services.sh up (or install) as root, which apt-installs it; never `playwright install`.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Flags,
        });
        return (playwright, browser);
    }
}
