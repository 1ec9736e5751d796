using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Runs;
using Narwhal.Ui.Tests.Support;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.SeedStep;

namespace Narwhal.Ui.Tests.Server;

/// <summary>
/// A pipeline's run page as HTML, with no Runner: the <see cref="PipelineSeeder"/> records plans and ends steps in the
/// database as Runners would. The graph's columns and lines, which step is shown, the retry buttons per scope, and
/// retries through the page's forms. The browser specs cover what needs a script (live boxes, selecting a step).
/// </summary>
[TestFixture]
public sealed partial class PipelinePages_Specs : StackFixture
{
    private string _readSecret = null!;
    private string _triggerSecret = null!;
    private PipelineSeeder Seeder => new(Stack.Database.DataSource);

    [OneTimeSetUp]
    public async Task Start()
    {
        _readSecret = (await Tokens.CreateAsync(Client, "viewer", "read")).Secret;
        _triggerSecret = (await Tokens.CreateAsync(Client, "developer", "trigger")).Secret;
    }

    /// <summary>A run of a new job whose plan is the diamond a → (b, c) → d, its step a succeeded and b failed.</summary>
    private async Task<Guid> DiamondAsync(string job)
    {
        var id = await Seeder.PlannedRunAsync(Client, job, Step("a"), Step("b", "a"), Step("c", "a"), Step("d", "b", "c"));
        await Seeder.FinishAsync(id, "a", RunStatus.Succeeded);
        await Seeder.FinishAsync(id, "b", RunStatus.Failed);
        return id;
    }

    [Test]
    public async Task When_a_diamond_is_shown_Should_put_each_step_in_the_column_of_its_depth_and_draw_a_line_per_need()
    {
        var id = await DiamondAsync("diamond-graph");
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var html = await viewer.GetHtmlAsync($"/ui/runs/{id}");

        Assert.That(Columns(html), Is.EqualTo(new[] { new[] { "a" }, ["b", "c"], ["d"] }));
        Assert.That(Lines(html), Is.EquivalentTo(new[] { "a→b", "a→c", "b→d", "c→d" }));
        Assert.That(Box(html, "a"), Does.Contain("Succeeded"));
        Assert.That(Box(html, "b"), Does.Contain("Failed"));
        Assert.That(Box(html, "c"), Does.Contain("Queued"), "released when a succeeded");
        Assert.That(Box(html, "d"), Does.Contain("Waiting"));
        Assert.That(html, Does.Not.Contain("id=\"log-h\">Console</h2>"), "no console of the run's own: each step has one");
    }

    [Test]
    public async Task When_a_pipeline_page_is_opened_Should_show_the_first_failed_step_else_the_first_running_else_the_first()
    {
        var id = await DiamondAsync("diamond-choice");
        var running = await Seeder.PlannedRunAsync(Client, "choice-running", Step("first"), Step("second"), Step("third", "first"));
        await Seeder.StartAsync(running, "second");
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        Assert.That(ShownStep(await viewer.GetHtmlAsync($"/ui/runs/{id}")), Is.EqualTo("b"), "the failed step");
        Assert.That(ShownStep(await viewer.GetHtmlAsync($"/ui/runs/{running}")), Is.EqualTo("second"), "the running step");
        Assert.That(ShownStep(await viewer.GetHtmlAsync($"/ui/runs/{id}?step=c")), Is.EqualTo("c"), "the step asked for");
        Assert.That(ShownStep(await viewer.GetHtmlAsync($"/ui/runs/{id}?step=nope")), Is.EqualTo("b"), "an unknown key shows the default");
        var page = await viewer.GetHtmlAsync($"/ui/runs/{id}?step=c");
        Assert.That(page, Does.Contain($"data-raw=\"/ui/runs/{id}/steps/c/console.txt?attempt=1\" data-stream=\"/ui/runs/{id}/steps/c/console/stream?attempt=1\""),
            "the step's console, followed while it is queued, pinned to its attempt");
        Assert.That(Box(page, "c"), Does.Contain("aria-current=\"true\""), "its box is marked");
        Assert.That(Box(page, "b"), Does.Not.Contain("aria-current"));
    }

    [Test]
    public async Task When_a_step_row_is_opened_by_its_own_id_Should_send_to_its_run_with_the_step_shown()
    {
        var id = await DiamondAsync("diamond-row");
        var row = await Seeder.StepRowAsync(id, "c");
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var response = await viewer.GetAsync($"/ui/runs/{row}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo($"/ui/runs/{id}?step=c"));
    }

    [Test]
    public async Task When_a_read_token_opens_a_failed_pipeline_Should_show_no_retry_button_and_a_trigger_token_both()
    {
        var id = await DiamondAsync("diamond-scopes");
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        var read = await viewer.GetHtmlAsync($"/ui/runs/{id}");
        var trigger = await developer.GetHtmlAsync($"/ui/runs/{id}");
        var queuedStep = await developer.GetHtmlAsync($"/ui/runs/{id}?step=c");

        Assert.That(read, Does.Not.Contain("handler=RetryStep").And.Not.Contain("handler=RetryFailed"));
        Assert.That(trigger, Does.Contain("handler=RetryStep").And.Contain("handler=RetryFailed"));
        Assert.That(trigger, Does.Contain("> Retry</button>").And.Contain("> Retry failed</button>"));
        Assert.That(queuedStep, Does.Not.Contain("handler=RetryStep"), "a step that has not ended has nothing to retry");
    }

    [Test]
    public async Task When_a_read_token_posts_a_retry_anyway_Should_be_refused_with_403_and_retry_nothing()
    {
        var id = await DiamondAsync("diamond-sneaky");
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var response = await viewer.PostFormAsync($"/ui/runs/{id}?handler=RetryStep", new() { ["key"] = "b" }, formPage: $"/ui/runs/{id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await Seeder.StepStatusAsync(id, "b"), Is.EqualTo(RunStatus.Failed));
    }

    [Test]
    public async Task When_a_failed_step_of_an_ended_run_is_retried_from_its_page_Should_reopen_the_run_with_a_new_attempt()
    {
        var id = await DiamondAsync("diamond-retry");
        await Seeder.FinishAsync(id, "c", RunStatus.Succeeded);
        Assert.That((await Client.GetJsonAsync($"/runs/{id}")).Str("status"), Is.EqualTo("failed"));
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        var response = await developer.PostFormAsync($"/ui/runs/{id}?handler=RetryStep", new() { ["key"] = "b" }, formPage: $"/ui/runs/{id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo($"/ui/runs/{id}?step=b"));
        var run = await Client.GetJsonAsync($"/runs/{id}");
        Assert.That(run.Str("status"), Is.EqualTo("running"), "re-opened");
        var steps = run.GetProperty("steps").EnumerateArray().ToDictionary(s => s.Str("key"));
        Assert.That((steps["b"].Str("status"), steps["b"].GetProperty("attempt").GetInt32()), Is.EqualTo(("queued", 2)));
        Assert.That((steps["d"].Str("status"), steps["d"].GetProperty("attempt").GetInt32()), Is.EqualTo(("waiting", 2)), "what it skipped waits again");
        var page = await developer.GetHtmlAsync(response.Headers.Location.OriginalString);
        Assert.That(page, Does.Contain("Step &#x27;b&#x27; retried (attempt 2)").Or.Contain("Step 'b' retried (attempt 2)"));
        Assert.That(Box(page, "b"), Does.Contain("attempt 2").And.Contain("Queued"));
        Assert.That(page, Does.Contain($"/ui/runs/{id}/steps/b/console/stream?attempt=2"), "the new attempt's log is followed");
    }

    [Test]
    public async Task When_a_step_that_has_not_ended_is_retried_from_a_stale_page_Should_say_why_on_the_page_not_fail()
    {
        var id = await DiamondAsync("diamond-conflict");
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        var response = await developer.PostFormAsync($"/ui/runs/{id}?handler=RetryStep", new() { ["key"] = "c" }, formPage: $"/ui/runs/{id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var page = await developer.GetHtmlAsync(response.Headers.Location!.OriginalString);
        Assert.That(page, Does.Contain("class=\"notice\"").And.Contain("has not ended (it is queued)"));
        Assert.That(await Seeder.StepStatusAsync(id, "c"), Is.EqualTo(RunStatus.Queued), "nothing retried");
    }

    [Test]
    public async Task When_retry_failed_is_posted_Should_retry_every_failed_step_and_keep_what_worked()
    {
        var id = await Seeder.PlannedRunAsync(Client, "fan-retry", Step("x"), Step("y"), Step("z"));
        await Seeder.FinishAsync(id, "x", RunStatus.Failed);
        await Seeder.FinishAsync(id, "y", RunStatus.Succeeded);
        await Seeder.FinishAsync(id, "z", RunStatus.TimedOut);
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        var response = await developer.PostFormAsync($"/ui/runs/{id}?handler=RetryFailed", [], formPage: $"/ui/runs/{id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var steps = (await Client.GetJsonAsync($"/runs/{id}")).GetProperty("steps").EnumerateArray()
            .ToDictionary(s => s.Str("key"), s => (s.Str("status"), s.GetProperty("attempt").GetInt32()));
        Assert.That(steps["x"], Is.EqualTo(("queued", 2)));
        Assert.That(steps["y"], Is.EqualTo(("succeeded", 1)));
        Assert.That(steps["z"], Is.EqualTo(("queued", 2)));
        var page = await developer.GetHtmlAsync($"/ui/runs/{id}");
        Assert.That(page, Does.Contain("The failed steps are retried").And.Not.Contain("handler=RetryFailed"), "nothing failed any more");
    }

    [Test]
    public async Task When_a_pipelines_status_is_polled_Should_answer_each_step_worded_for_its_box()
    {
        var id = await DiamondAsync("diamond-status");
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var status = await viewer.Http.GetFromJsonAsync<JsonElement>($"/ui/runs/{id}/status.json");

        Assert.That(status.GetProperty("pipeline").GetBoolean(), Is.True);
        var steps = status.GetProperty("steps").EnumerateArray().ToList();
        Assert.That(steps.Select(s => s.Str("key")), Is.EqualTo(new[] { "a", "b", "c", "d" }));
        Assert.That(steps.Select(s => s.Str("label")), Is.EqualTo(new[] { "Succeeded", "Failed", "Queued", "Waiting" }));
        Assert.That(steps[1].Str("css"), Is.EqualTo("st-failed"));
        Assert.That(steps[3].GetProperty("active").GetBoolean(), Is.True);
    }

    [Test]
    public async Task When_a_skipped_steps_console_is_asked_for_Should_say_it_did_not_run()
    {
        var id = await DiamondAsync("diamond-skipped");
        await Seeder.FinishAsync(id, "c", RunStatus.Succeeded);
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var page = await viewer.GetHtmlAsync($"/ui/runs/{id}?step=d");
        var raw = await viewer.GetAsync($"/ui/runs/{id}/steps/d/console.txt?attempt=1");

        Assert.That(Box(page, "d"), Does.Contain("Skipped"));
        Assert.That(page, Does.Contain("This step did not run: Step &#x27;b&#x27; it needs did not succeed.")
            .Or.Contain("This step did not run: Step 'b' it needs did not succeed."));
        Assert.That(raw.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the step's console route answers as its REST twin");
    }

    /// <summary>The step keys of each column of the graph, left to right.</summary>
    private static string[][] Columns(string html) =>
        ColumnTag().Matches(html).Select(c => StepKey().Matches(c.Groups[1].Value).Select(m => m.Groups[1].Value).ToArray()).ToArray();

    /// <summary>The graph's lines as "need→step".</summary>
    private static string[] Lines(string html) => LineTag().Matches(html).Select(m => $"{m.Groups[1].Value}→{m.Groups[2].Value}").ToArray();

    /// <summary>The markup of a step's box.</summary>
    private static string Box(string html, string key)
    {
        var match = Regex.Match(html, $"<a class=\"step-box\"[^>]*data-step=\"{Regex.Escape(key)}\".*?</a>", RegexOptions.Singleline);
        Assert.That(match.Success, Is.True, $"a box for step '{key}'");
        return match.Value;
    }

    private static string? ShownStep(string html) => ShownTag().Match(html) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("<ol class=\"graph-col\" data-depth=\"\\d+\">(.*?)</ol>", RegexOptions.Singleline)]
    private static partial Regex ColumnTag();

    [GeneratedRegex("data-step=\"([^\"]+)\"")]
    private static partial Regex StepKey();

    [GeneratedRegex("<path d=\"[^\"]+\" data-from=\"([^\"]+)\" data-to=\"([^\"]+)\"")]
    private static partial Regex LineTag();

    [GeneratedRegex("<section id=\"step\"[^>]*data-step-key=\"([^\"]+)\"")]
    private static partial Regex ShownTag();
}
