using Microsoft.Playwright;
using NUnit.Framework;

namespace Narwhal.Ui.Tests.Support;

/// <summary>
/// Screenshots of the pages the tests visit: attached to the test's TRX result and copied to
/// <c>TestResults/screenshots/&lt;name&gt;.png</c> at the repository root, where people look at them.
/// </summary>
public static class Screenshots
{
    public static string Directory { get; } = Path.Combine(RepositoryFiles.Root, "TestResults", "screenshots");

    public static async Task<string> SaveAsync(IPage page, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, $"{name}: {page.Url}");
        return path;
    }
}
