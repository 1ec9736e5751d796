using System.Net.Http.Json;
using Microsoft.Playwright;
using Narwhal.Core.Persistence;
using Narwhal.Testing.Git;
using Narwhal.Ui.Tests.Support;
using NUnit.Framework;
using static Microsoft.Playwright.Assertions;

namespace Narwhal.Ui.Tests.Browser;

/// <summary>
/// The web UI in a real headless Chromium against the real stack (Api, one Runner, Postgres, RabbitMQ, S3, Docker):
/// signing in, triggering with a parameter, the live log, abort, JUnit failures, what a read-only token sees, and
/// the pages at 360 px. Every page visited is saved as a screenshot (TRX attachment and TestResults/screenshots/).
/// </summary>
[TestFixture]
public sealed class Browser_Specs : BrowserFixture
{
    private const string Greeting = "hello-from-the-browser";
    private string _root = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private string? _slowRunUrl;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-ui-").FullName;

        // Prints a coloured line every 0.2 s for two minutes: long enough to watch it grow, then to abort it.
        (await Client.PutAsJsonAsync("/jobs/slow-greeter", new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage, description = "Greets slowly, line by line",
            script = new[] { "i=0; while [ $i -lt 600 ]; do i=$((i+1)); printf '\\033[32m%s\\033[0m line %d\\n' \"$GREETING\" \"$i\"; sleep 0.2; done" },
            parameters = new object[] { new { name = "GREETING", required = true, description = "What each line says" } },
        }, Json.Options)).EnsureSuccessStatusCode();

        var repo = UpstreamRepository.Create(_root, "calculator");
        repo.Commit("tests", ("reports/calc.xml", JunitReport), (".narwhal.yml", $$"""
            image: {{TestEnvironment.BusyboxImage}}
            script:
              - echo "running the calculator tests"
              - mkdir -p dist && echo "calculator 1.0" > dist/calculator.txt
              - exit 1
            results:
              junit: ["reports/*.xml"]
              artifacts: ["dist/**"]
            """));
        (await Client.PutAsJsonAsync("/jobs/calculator", new { type = "git", git = new { url = repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
        // The Dispatcher keeps the runner registry the Runners page shows.
        await Stack.StartDispatcherAsync();
        await Stack.StartRunnerAsync("ui-runner", new Dictionary<string, string?>
        {
            ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true",
            ["NARWHAL_RUNNER_SLOTS"] = "2",
        });

        _context = await NewContextAsync(1280, 900);
        _page = await _context.NewPageAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_context is not null) await _context.DisposeAsync();
    }

    protected override Task AfterStackStoppedAsync()
    {
        if (_root is not null) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private const string JunitReport = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite name="calculator" tests="3" failures="1" errors="0" skipped="0" time="0.042">
          <testcase classname="CalcTests" name="adds_two_numbers" time="0.001"/>
          <testcase classname="CalcTests" name="subtracts" time="0.001"/>
          <testcase classname="CalcTests" name="divides_by_zero" time="0.040">
            <failure message="expected an error but got Infinity" type="AssertionError">at CalcTests.divides_by_zero (calc.test.js:12)</failure>
            <system-out>dividing 1 by 0</system-out>
          </testcase>
        </testsuite>
        """;

    [Test, Order(1)]
    public async Task When_signing_in_with_a_token_Should_land_on_the_dashboard_named_after_it()
    {
        await _page.GotoAsync("/ui/jobs");
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/ui/sign-in\\?returnUrl=%2Fui%2Fjobs"));
        await Screenshots.SaveAsync(_page, "01-sign-in");

        await _page.GetByLabel("API token").FillAsync(TestStack.AdminToken);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Jobs", Exact = true })).ToBeVisibleAsync();
        await Expect(_page.Locator("header .who")).ToContainTextAsync("bootstrap-admin");
        await _page.GotoAsync("/ui");
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(_page, "02-dashboard");
    }

    [Test, Order(2)]
    public async Task When_a_run_is_triggered_from_the_job_page_with_a_parameter_Should_show_its_log_growing_while_it_runs()
    {
        await _page.GotoAsync("/ui/jobs/slow-greeter");
        await _page.GetByLabel("GREETING").FillAsync(Greeting);
        await Screenshots.SaveAsync(_page, "03-job-trigger-form");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Trigger" }).ClickAsync();

        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/ui/runs/[0-9a-f-]{36}$"));
        _slowRunUrl = _page.Url;
        await Expect(_page.Locator(".notice")).ToContainTextAsync("Run #1 triggered.");
        var log = _page.Locator("#log");
        await Expect(log).ToContainTextAsync($"{Greeting} line 3", new() { Timeout = 90_000 });
        var status = _page.Locator("[data-run-field=status] .label");
        await Expect(status).ToHaveTextAsync("Running");
        var seen = await LinesAsync(log);

        // Later, with the page left alone: more lines, and still running.
        await Expect(log).ToContainTextAsync($"{Greeting} line {seen + 5}", new() { Timeout = 30_000 });
        await Expect(status).ToHaveTextAsync("Running");
        Assert.That(await _page.TitleAsync(), Does.StartWith("● Running · slow-greeter #1"));
        Assert.That(await log.Locator("span.fg32").CountAsync(), Is.GreaterThan(0), "the ANSI green is rendered as a colour, not as escape codes");
        Assert.That(await log.TextContentAsync(), Does.Not.Contain("\u001b["));
        await Screenshots.SaveAsync(_page, "04-run-running");
    }

    [Test, Order(3)]
    public async Task When_a_running_run_is_aborted_Should_end_aborted_and_say_so_in_the_title()
    {
        Assert.That(_slowRunUrl, Is.Not.Null, "the previous test started the run");
        await _page.GotoAsync(_slowRunUrl!);
        await Expect(_page.Locator("[data-run-field=status] .label")).ToHaveTextAsync("Running");

        await _page.GetByRole(AriaRole.Button, new() { Name = "Abort" }).ClickAsync();

        await Expect(_page.Locator(".notice")).ToContainTextAsync("Abort requested");
        await Expect(_page.Locator("[data-run-field=status] .label")).ToHaveTextAsync("Aborted", new() { Timeout = 60_000 });
        await Expect(_page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex("^⊘ Aborted · slow-greeter #1"));
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Abort" })).ToHaveCountAsync(0);
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Re-run" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(_page, "05-run-aborted");
    }

    [Test, Order(4)]
    public async Task When_a_run_has_a_failing_test_Should_list_it_and_open_it_to_its_message_and_output()
    {
        var run = await Client.TriggerAsync("calculator");
        await Client.WaitForRunEndAsync(run.Str("id"));

        await _page.GotoAsync($"/ui/runs/{run.Str("id")}");

        await Expect(_page.Locator("[data-run-field=status] .label")).ToHaveTextAsync("Failed");
        var tests = _page.Locator("section.tests");
        await Expect(tests).ToContainTextAsync("1 failing");
        await Expect(tests).ToContainTextAsync("3 tests, 1 failure, 0 errors, 0 skipped");
        var failure = tests.Locator("details", new() { HasText = "divides_by_zero" });
        await Expect(failure.Locator("summary")).ToContainTextAsync("expected an error but got Infinity");
        await Expect(failure.GetByText("dividing 1 by 0")).ToBeHiddenAsync();
        await failure.Locator("summary").ClickAsync();
        await Expect(failure.GetByText("dividing 1 by 0")).ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Link, new() { Name = "dist/calculator.txt" })).ToBeVisibleAsync();
        await Expect(_page.Locator("#log")).ToContainTextAsync("running the calculator tests");
        await Screenshots.SaveAsync(_page, "06-run-junit-failure");

        var download = await _page.RunAndWaitForDownloadAsync(() => _page.GetByRole(AriaRole.Link, new() { Name = "dist/calculator.txt" }).ClickAsync());
        Assert.That(await File.ReadAllTextAsync((await download.PathAsync())!), Is.EqualTo("calculator 1.0\n"));
    }

    [Test, Order(5)]
    public async Task When_the_jobs_page_is_filtered_Should_list_only_the_matching_jobs_with_their_last_run()
    {
        await _page.GotoAsync("/ui/jobs");
        await Expect(_page.Locator("table.jobs tbody tr")).ToHaveCountAsync(2);
        await Screenshots.SaveAsync(_page, "07-jobs");

        await _page.GetByLabel("Filter by name").FillAsync("calc");
        await _page.GetByLabel("Filter by name").PressAsync("Enter");

        await Expect(_page.Locator("table.jobs tbody tr")).ToHaveCountAsync(1);
        await Expect(_page.Locator("table.jobs tbody tr")).ToContainTextAsync("calculator");
        await Expect(_page.Locator("table.jobs tbody tr")).ToContainTextAsync("Failed");
    }

    [Test, Order(6)]
    public async Task When_signed_in_with_a_read_token_Should_see_no_trigger_or_abort_button()
    {
        var (_, secret) = await Tokens.CreateAsync(Client, "ui-viewer", "read");
        var running = await Client.TriggerAsync("slow-greeter", new { parameters = new Dictionary<string, string> { ["GREETING"] = "watched" } });
        await using var context = await NewContextAsync(1280, 900);
        var page = await context.NewPageAsync();
        await BrowserSignIn.SignInAsync(page, secret);

        await page.GotoAsync("/ui/jobs/slow-greeter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "slow-greeter" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Trigger" })).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "08-read-only-job");

        await page.GotoAsync($"/ui/runs/{running.Str("id")}");
        await Expect(page.Locator("#log")).ToContainTextAsync("watched line 2", new() { Timeout = 90_000 });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Abort" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Re-run" })).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "09-read-only-run");

        await page.GotoAsync("/ui/runners");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Drain ui-runner" })).ToHaveCountAsync(0);
        (await Client.PostAsync($"/runs/{running.Str("id")}/abort", null)).EnsureSuccessStatusCode();
        await Client.WaitForRunEndAsync(running.Str("id"));
    }

    [Test, Order(7)]
    public async Task When_the_pages_are_shown_at_360_px_Should_fit_the_width()
    {
        await using var context = await NewContextAsync(360, 780);
        var page = await context.NewPageAsync();
        await BrowserSignIn.SignInAsync(page, TestStack.AdminToken);
        var failed = (await Client.GetJsonAsync("/jobs/calculator/runs")).GetProperty("items")[0].Str("id");

        foreach (var (path, name) in new[] { ("/ui", "10-narrow-dashboard"), ("/ui/jobs", "11-narrow-jobs"),
                     ("/ui/jobs/slow-greeter", "12-narrow-job"), ($"/ui/runs/{failed}", "13-narrow-run"), ("/ui/runners", "14-narrow-runners") })
        {
            await page.GotoAsync(path);
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            await Screenshots.SaveAsync(page, name);
            Assert.That(width, Is.LessThanOrEqualTo(360), $"{path} is wider than the screen (wide tables scroll inside their own box)");
        }
    }

    [Test, Order(8)]
    public async Task When_using_the_keyboard_Should_reach_the_skip_link_first_with_a_visible_focus()
    {
        await _page.GotoAsync("/ui");
        await _page.Keyboard.PressAsync("Tab");

        var focused = _page.Locator(":focus");
        await Expect(focused).ToHaveTextAsync("Skip to content");
        var outline = await focused.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle");
        Assert.That(outline, Is.Not.EqualTo("none"));
        await _page.Keyboard.PressAsync("Enter");
        await _page.Keyboard.PressAsync("Tab");
        Assert.That(await _page.EvaluateAsync<bool>("() => document.querySelector('main').contains(document.activeElement)"), Is.True,
            "after the skip link, focus continues inside the main content");
    }

    [Test, Order(10)]
    public async Task When_a_log_is_longer_than_the_page_shows_Should_load_earlier_output_on_demand_without_losing_a_line()
    {
        // 8,000 lines of 80 bytes: 625 KiB, so the page first shows the last 256 KiB.
        (await Client.PutFreestyleJobAsync("chatty", TestEnvironment.BusyboxImage,
            "awk 'BEGIN { for (i = 1; i <= 8000; i++) printf \"line %05d \\033[36m%s\\033[0m\\n\", i, \"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmn\" }'"))
            .EnsureSuccessStatusCode();
        var run = await Client.TriggerAsync("chatty");
        var done = await Client.WaitForRunEndAsync(run.Str("id"));
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));

        await _page.GotoAsync($"/ui/runs/{run.Str("id")}");
        var log = _page.Locator("#log");
        await Expect(log).ToContainTextAsync("line 08000");
        Assert.That(await log.TextContentAsync(), Does.Not.Contain("line 00001 "));
        await Expect(_page.Locator("[data-earlier]")).ToContainTextAsync("Showing the last 256 KiB of");

        for (var click = 0; click < 5 && await _page.Locator("[data-load-earlier]").CountAsync() > 0; click++)
        {
            var start = await log.GetAttributeAsync("data-start");
            await _page.Locator("[data-load-earlier]").ClickAsync();
            await Expect(log).Not.ToHaveAttributeAsync("data-start", start!);
        }

        await Expect(_page.Locator("[data-earlier]")).ToHaveCountAsync(0);
        var lines = (await log.TextContentAsync())!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(8000));
        Assert.That(lines.Select((l, i) => l.StartsWith($"line {i + 1:00000} ", StringComparison.Ordinal)).All(ok => ok), Is.True,
            "every line once, in order, across the pieces loaded");
        Assert.That(await log.Locator("span.fg36").CountAsync(), Is.EqualTo(8000), "earlier pieces are coloured too");
        await Screenshots.SaveAsync(_page, "16-run-long-log");
    }

    [Test, Order(9)]
    public async Task When_a_followed_run_ends_Should_update_its_header_from_the_logs_end_event_not_at_the_next_poll()
    {
        (await Client.PutFreestyleJobAsync("short-lived", TestEnvironment.BusyboxImage, "echo begin", "sleep 3", "echo finished")).EnsureSuccessStatusCode();
        var run = await Client.TriggerAsync("short-lived");
        await _page.GotoAsync($"/ui/runs/{run.Str("id")}");
        await Expect(_page.Locator("#log")).ToContainTextAsync("begin", new() { Timeout = 60_000 });
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Abort" })).ToBeVisibleAsync();

        // A slow status endpoint (a busy server, a poll in flight as the run ends): the header must not wait for it.
        await _page.RouteAsync("**/status.json", async route =>
        {
            await Task.Delay(TimeSpan.FromSeconds(4)); // the network's delay, not synchronisation
            await route.ContinueAsync();
        });
        try
        {
            await Expect(_page.Locator("[data-log-state]")).ToHaveTextAsync("Ended.", new() { Timeout = 60_000 });

            var soon = new LocatorAssertionsToHaveTextOptions { Timeout = 1_000 };
            await Expect(_page.Locator("[data-run-field=status] .label")).ToHaveTextAsync("Succeeded", soon);
            await Expect(_page.Locator("[data-run-field=exitCode]")).ToHaveTextAsync("0", soon);
            await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Abort" })).ToHaveCountAsync(0, new() { Timeout = 1_000 });
            await Expect(_page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex("^✓ Succeeded · short-lived #1"), new() { Timeout = 1_000 });
            // The finished time is the server's: it comes with the (slow) status answer, and stays.
            await Expect(_page.Locator("[data-run-field=finishedAt]")).Not.ToHaveTextAsync("–", new() { Timeout = 15_000 });
            await Expect(_page.Locator("[data-run-field=status] .label")).ToHaveTextAsync("Succeeded");
            await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Re-run" })).ToBeVisibleAsync();
        }
        finally
        {
            await _page.UnrouteAllAsync();
        }
        await Screenshots.SaveAsync(_page, "17-run-ended-live");
    }

    [Test, Order(20)]
    public async Task When_an_admin_drains_a_runner_from_the_runners_page_Should_say_it_is_draining()
    {
        await _page.GotoAsync("/ui/runners");
        await Expect(_page.Locator("#runner-ui-runner")).ToContainTextAsync("Online", new() { Timeout = 60_000 });
        await Screenshots.SaveAsync(_page, "15-runners");

        await _page.GetByRole(AriaRole.Button, new() { Name = "Drain ui-runner" }).ClickAsync();

        await Expect(_page.Locator(".notice")).ToContainTextAsync("Runner ui-runner is draining");
    }

    private static async Task<int> LinesAsync(ILocator log)
    {
        var text = await log.TextContentAsync() ?? "";
        return text.Split('\n').Count(l => l.StartsWith(Greeting, StringComparison.Ordinal));
    }
}
