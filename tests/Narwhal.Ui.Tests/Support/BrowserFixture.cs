using Microsoft.Playwright;
using NUnit.Framework;

namespace Narwhal.Ui.Tests.Support;

/// <summary>
/// A stack of its own and one headless Chromium for the fixture's tests (launched after the stack, closed after the
/// fixture's own tear-down); pages are opened in contexts made by <see cref="NewContextAsync"/>, against the stack's Api.
/// </summary>
public abstract class BrowserFixture : StackFixture
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    [OneTimeSetUp]
    public async Task LaunchBrowser()
    {
        (_playwright, _browser) = await Chromium.LaunchAsync();
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    [OneTimeTearDown]
    public async Task CloseBrowser()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    protected Task<IBrowserContext> NewContextAsync(int width, int height) =>
        _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, BaseURL = Stack.ApiUrl.ToString() });
}
