using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Core.Persistence;
using Narwhal.Ui.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Ui.Tests.Server;

/// <summary>
/// The pages as HTML, with no Runner (runs stay queued): what each scope is shown and allowed, the trigger form, the
/// job list's filter and paging, the run page's title. The browser specs cover what needs a script.
/// </summary>
[TestFixture]
public sealed class Pages_Specs : StackFixture
{
    private string _readSecret = null!;
    private string _triggerSecret = null!;
    private string _queuedRunId = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        (await Client.PutAsJsonAsync("/jobs/greeter", new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage, script = new[] { "echo \"$GREETING\"" },
            description = "Says hello",
            parameters = new object[] { new { name = "GREETING", required = true, description = "What to say" }, new { name = "TIMES", @default = "1" } },
        }, Json.Options)).EnsureSuccessStatusCode();
        (await Client.PutFreestyleJobAsync("alpha-build", TestEnvironment.BusyboxImage, "true")).EnsureSuccessStatusCode();
        (await Client.PutFreestyleJobAsync("beta-deploy", TestEnvironment.BusyboxImage, "true")).EnsureSuccessStatusCode();
        _queuedRunId = (await Client.TriggerAsync("greeter", new { parameters = new Dictionary<string, string> { ["GREETING"] = "hi" } })).Str("id");
        for (var i = 0; i < 30; i++) await Client.TriggerAsync("alpha-build");
        _readSecret = (await Tokens.CreateAsync(Client, "viewer", "read")).Secret;
        _triggerSecret = (await Tokens.CreateAsync(Client, "developer", "trigger")).Secret;
    }

    [Test]
    public async Task When_a_read_token_opens_a_job_and_a_queued_run_Should_show_no_trigger_abort_or_rerun_form()
    {
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var job = await viewer.GetHtmlAsync("/ui/jobs/greeter");
        var run = await viewer.GetHtmlAsync($"/ui/runs/{_queuedRunId}");
        var runners = await viewer.GetHtmlAsync("/ui/runners");

        Assert.That(job, Does.Contain("Says hello").And.Not.Contain("Trigger a run").And.Not.Contain("handler=Trigger"));
        Assert.That(run, Does.Contain("greeter #1").And.Not.Contain("handler=Abort").And.Not.Contain("handler=Rerun"));
        Assert.That(runners, Does.Not.Contain("handler=Drain"));
    }

    [Test]
    public async Task When_a_trigger_token_opens_them_Should_show_the_trigger_form_from_the_parameters_and_the_abort_button()
    {
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        var job = await developer.GetHtmlAsync("/ui/jobs/greeter");
        var run = await developer.GetHtmlAsync($"/ui/runs/{_queuedRunId}");

        Assert.That(job, Does.Contain("Trigger a run").And.Contain("name=\"param.GREETING\"").And.Contain("name=\"param.TIMES\""));
        Assert.That(job, Does.Contain("What to say").And.Contain("the default, “1”"));
        Assert.That(run, Does.Contain("handler=Abort"));
    }

    [Test]
    public async Task When_a_read_token_posts_a_trigger_form_anyway_Should_be_refused_with_403_and_trigger_nothing()
    {
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);
        var before = await RunCountAsync("greeter");

        var response = await viewer.PostFormAsync("/ui/jobs/greeter?handler=Trigger", new() { ["param.GREETING"] = "sneaky" }, formPage: "/ui/jobs/greeter");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("needs a token with the &#x27;trigger&#x27; scope").Or.Contain("needs a token with the 'trigger' scope"));
        Assert.That(await RunCountAsync("greeter"), Is.EqualTo(before));
    }

    [Test]
    public async Task When_a_trigger_form_has_no_antiforgery_token_Should_be_refused_with_400_and_trigger_nothing()
    {
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);
        var before = await RunCountAsync("greeter");

        var response = await developer.PostFormAsync("/ui/jobs/greeter?handler=Trigger", new() { ["param.GREETING"] = "forged" }, withToken: false);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await RunCountAsync("greeter"), Is.EqualTo(before));
    }

    [Test]
    public async Task When_the_trigger_form_is_posted_with_a_parameter_Should_queue_a_run_with_it_by_that_token_and_open_it()
    {
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        var response = await developer.PostFormAsync("/ui/jobs/greeter?handler=Trigger",
            new() { ["param.GREETING"] = "from the form", ["param.TIMES"] = "" }, formPage: "/ui/jobs/greeter");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var location = response.Headers.Location!.OriginalString;
        Assert.That(location, Does.StartWith("/ui/runs/"));
        var run = await Client.GetJsonAsync($"/runs/{location["/ui/runs/".Length..]}");
        Assert.That(run.GetProperty("parameters").GetProperty("GREETING").GetString(), Is.EqualTo("from the form"));
        Assert.That(run.GetProperty("parameters").GetProperty("TIMES").GetString(), Is.EqualTo("1"), "an empty optional field takes the default");
        Assert.That(run.GetProperty("trigger").Str("kind"), Is.EqualTo("ui"), "triggered from the web UI");
        Assert.That(run.GetProperty("trigger").Str("tokenName"), Is.EqualTo("developer"));
        Assert.That(await developer.GetHtmlAsync(location), Does.Contain("triggered."));
    }

    [Test]
    public async Task When_the_trigger_form_misses_a_required_parameter_Should_show_the_form_again_with_the_error()
    {
        using var developer = await UiSession.SignInAsync(Stack.ApiUrl, _triggerSecret);

        var response = await developer.PostFormAsync("/ui/jobs/greeter?handler=Trigger", new() { ["param.TIMES"] = "3" }, formPage: "/ui/jobs/greeter");
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(html, Does.Contain("Required parameter &#x27;GREETING&#x27; is missing.").Or.Contain("Required parameter 'GREETING' is missing."));
        Assert.That(html, Does.Contain("value=\"3\""), "what was typed stays");
    }

    [Test]
    public async Task When_the_jobs_page_is_filtered_Should_list_only_matching_jobs_with_their_last_run()
    {
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var html = await viewer.GetHtmlAsync("/ui/jobs?q=ALP");

        Assert.That(html, Does.Contain("/ui/jobs/alpha-build").And.Not.Contain("/ui/jobs/beta-deploy"));
        Assert.That(html, Does.Contain("#30").And.Contain("Queued"));
        var all = await viewer.GetHtmlAsync("/ui/jobs");
        Assert.That(all, Does.Contain("/ui/jobs/beta-deploy").And.Contain("never run"));
    }

    [Test]
    public async Task When_a_job_has_more_runs_than_a_page_Should_page_them_newest_first_by_cursor()
    {
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var first = await viewer.GetHtmlAsync("/ui/jobs/alpha-build");
        var older = System.Text.RegularExpressions.Regex.Match(first, "href=\"(/ui/jobs/alpha-build\\?cursor=[^\"]+)\" rel=\"next\"");
        Assert.That(older.Success, Is.True, "an 'Older runs' link");
        var second = await viewer.GetHtmlAsync(System.Net.WebUtility.HtmlDecode(older.Groups[1].Value));

        Assert.That(first, Does.Contain(">#30<").And.Contain(">#6<").And.Not.Contain(">#5<"));
        Assert.That(second, Does.Contain(">#5<").And.Contain(">#1<").And.Not.Contain(">#6<"));
    }

    [Test]
    public async Task When_a_run_page_is_opened_Should_name_the_status_in_the_title_and_serve_the_live_status()
    {
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var html = await viewer.GetHtmlAsync($"/ui/runs/{_queuedRunId}");
        var status = await viewer.Http.GetFromJsonAsync<JsonElement>($"/ui/runs/{_queuedRunId}/status.json");

        Assert.That(html, Does.Contain("<title>◌ Queued · greeter #1 · Narwhal</title>"));
        Assert.That(status.Str("status"), Is.EqualTo("queued"));
        Assert.That(status.Str("title"), Is.EqualTo("◌ Queued · greeter #1"));
    }

    [Test]
    public async Task When_a_page_is_rendered_Should_say_how_long_it_took_and_forbid_framing_and_foreign_scripts()
    {
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var response = await viewer.GetAsync("/ui/jobs/alpha-build");

        Assert.That(response.Headers.GetValues("Server-Timing").Single(), Does.Match(@"^app;dur=\d+\.\d$"));
        Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(),
            Does.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'"));
        Assert.That(response.Headers.GetValues("X-Frame-Options").Single(), Is.EqualTo("DENY"));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
    }

    [TestCase("/ui/jobs/no-such-job")]
    [TestCase("/ui/runs/0193a8f2-4b1e-7c3d-9f00-1a2b3c4d5e6f")]
    [TestCase("/ui/jobs/greeter/runs/999")]
    public async Task When_something_does_not_exist_Should_answer_404_with_a_page(string path)
    {
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);

        var response = await viewer.GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("<h1>Not found</h1>"));
    }

    [Test]
    public async Task When_the_assets_are_asked_for_Should_serve_them_cacheable_under_their_hash()
    {
        using var viewer = await UiSession.SignInAsync(Stack.ApiUrl, _readSecret);
        var html = await viewer.GetHtmlAsync("/ui");
        var css = System.Text.RegularExpressions.Regex.Match(html, "href=\"(/ui/assets/narwhal.css\\?v=[0-9a-f]+)\"").Groups[1].Value;

        var response = await new HttpClient { BaseAddress = Stack.ApiUrl }.GetAsync(css);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/css"));
        Assert.That(response.Headers.CacheControl!.ToString(), Does.Contain("immutable"));
    }

    private async Task<int> RunCountAsync(string job) =>
        (await Client.GetJsonAsync($"/jobs/{job}/runs?limit=100")).GetProperty("items").GetArrayLength();
}
