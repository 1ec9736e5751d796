using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Narwhal.Core.Persistence;
using Narwhal.Ui.Tests.Support;
using NUnit.Framework;
using static Microsoft.Playwright.Assertions;

namespace Narwhal.Ui.Tests.Browser;

/// <summary>
/// A freestyle pipeline (build → flaky → package) run by a real Runner, watched in a headless Chromium: the boxes change
/// as the steps run and end without the page being loaded again, a step's log is shown when it is selected, and
/// "Retry" on the step that failed runs it again (it passes on its second attempt) and then the step it skipped.
/// </summary>
[TestFixture]
public sealed class PipelineBrowser_Specs : BrowserFixture
{
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private string? _runUrl;

    [OneTimeSetUp]
    public async Task Start()
    {
        (await Client.PutAsJsonAsync("/jobs/ui-pipeline", new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage, script = new[] { "echo default" },
            steps = new Dictionary<string, object>
            {
                // Long enough to be seen running; the page is opened as soon as the run is triggered.
                ["build"] = new { script = new[] { "echo build starts", "sleep 6", "echo build done" } },
                // Fails on its first attempt, passes on the next: what a retry is for.
                ["flaky"] = new { needs = new[] { "build" }, script = new[] { "echo \"flaky attempt $NARWHAL_STEP_ATTEMPT\"", "test \"$NARWHAL_STEP_ATTEMPT\" -ge 2" } },
                ["package"] = new { needs = new[] { "flaky" }, script = new[] { "echo packaged" } },
            },
        }, Json.Options)).EnsureSuccessStatusCode();
        await Stack.StartRunnerAsync("pipeline-ui-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_SLOTS"] = "2" });

        _context = await NewContextAsync(1280, 900);
        _page = await _context.NewPageAsync();
        await BrowserSignIn.SignInAsync(_page, TestStack.AdminToken);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_context is not null) await _context.DisposeAsync();
    }

    private ILocator Box(string key) => _page.Locator($"a.step-box[data-step=\"{key}\"]");

    private ILocator StepStatus(string key) => Box(key).Locator(".status .label");

    private ILocator RunStatus => _page.Locator("[data-run-field=status] .label");

    /// <summary>Marks the document: still marked later, the page was changed in place, never loaded again.</summary>
    private Task MarkAsync() => _page.EvaluateAsync("() => { window.narwhalSameDocument = true; }");

    private async Task AssertSameDocumentAsync(string why) =>
        Assert.That(await _page.EvaluateAsync<bool>("() => window.narwhalSameDocument === true"), Is.True, why);

    [Test, Order(1)]
    public async Task When_a_pipeline_runs_Should_show_its_steps_change_live_and_the_log_of_the_step_selected()
    {
        var run = await Client.TriggerAsync("ui-pipeline");
        _runUrl = $"/ui/runs/{run.Str("id")}";
        await _page.GotoAsync(_runUrl);

        // Queued at first, it may show as a run without steps until a Runner records its plan: the page then redraws itself.
        await Expect(StepStatus("build")).ToHaveTextAsync("Running", new() { Timeout = 90_000 });
        await MarkAsync();
        await Expect(StepStatus("package")).ToHaveTextAsync("Waiting");
        await Expect(_page.Locator("#step")).ToHaveAttributeAsync("data-step-key", "build");
        await Expect(_page.Locator("#log")).ToContainTextAsync("build starts", new() { Timeout = 60_000 });
        Assert.That(await _page.Locator(".graph-lines path").CountAsync(), Is.EqualTo(2), "build → flaky → package");
        await Screenshots.SaveAsync(_page, "20-pipeline-running");

        await Expect(StepStatus("build")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Expect(_page.Locator("#log")).ToContainTextAsync("build done");
        await Expect(StepStatus("flaky")).ToHaveTextAsync("Failed", new() { Timeout = 60_000 });
        await Expect(StepStatus("package")).ToHaveTextAsync("Skipped", new() { Timeout = 60_000 });
        await Expect(RunStatus).ToHaveTextAsync("Failed", new() { Timeout = 60_000 });
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Retry failed", Exact = true })).ToBeVisibleAsync();
        await AssertSameDocumentAsync("the steps' states changed in place, without a reload");

        await Box("flaky").ClickAsync();

        await Expect(_page).ToHaveURLAsync(new Regex($"{Regex.Escape(_runUrl)}\\?step=flaky$"));
        await Expect(_page.Locator("#step-h")).ToContainTextAsync("flaky");
        await Expect(_page.Locator("#log")).ToContainTextAsync("flaky attempt 1");
        await Expect(Box("flaky")).ToHaveAttributeAsync("aria-current", "true");
        await Expect(Box("build")).Not.ToHaveAttributeAsync("aria-current", "true");
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Retry", Exact = true })).ToBeVisibleAsync();
        await AssertSameDocumentAsync("selecting a step swaps its section in place");
        await Screenshots.SaveAsync(_page, "21-pipeline-failed-step");
    }

    [Test, Order(2)]
    public async Task When_the_failed_step_is_retried_Should_run_it_again_and_then_the_step_it_skipped()
    {
        Assert.That(_runUrl, Is.Not.Null, "the previous test ran the pipeline");
        await _page.GotoAsync($"{_runUrl}?step=flaky");
        await Expect(StepStatus("flaky")).ToHaveTextAsync("Failed");

        await _page.GetByRole(AriaRole.Button, new() { Name = "Retry", Exact = true }).ClickAsync();

        await Expect(_page.Locator(".notice")).ToContainTextAsync("Step 'flaky' retried (attempt 2)");
        await Expect(Box("flaky")).ToContainTextAsync("attempt 2");
        await MarkAsync();
        await Expect(_page.Locator("#log")).ToContainTextAsync("flaky attempt 2", new() { Timeout = 90_000 });
        await Expect(StepStatus("flaky")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Expect(StepStatus("package")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Expect(Box("package")).ToContainTextAsync("attempt 2");
        await Expect(StepStatus("build")).ToHaveTextAsync("Succeeded");
        await Expect(Box("build")).Not.ToContainTextAsync("attempt 2");
        await Expect(RunStatus).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Retry failed", Exact = true })).ToHaveCountAsync(0);
        await AssertSameDocumentAsync("the retried steps ran while the page followed them in place");
        await Screenshots.SaveAsync(_page, "22-pipeline-retried");

        await _page.SetViewportSizeAsync(360, 780);
        await _page.ReloadAsync();
        await Expect(StepStatus("package")).ToHaveTextAsync("Succeeded");
        var width = await _page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        await Screenshots.SaveAsync(_page, "23-narrow-pipeline");
        Assert.That(width, Is.LessThanOrEqualTo(360), "the graph scrolls inside its own box");
    }
}
