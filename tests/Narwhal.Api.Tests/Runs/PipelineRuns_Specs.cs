using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Narwhal.Api.Tests.OpenApi;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Runs;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.SeedStep;

namespace Narwhal.Api.Tests.Runs;

/// <summary>
/// Runs as a graph of steps, read through the Api: a pipeline's steps in the run's answer, each step's own routes,
/// and runs listed, numbered and found as before, with no step showing up as a run. No Runner: the
/// <see cref="PipelineSeeder"/> records plans and ends steps in the database, whose triggers advance the pipeline.
/// </summary>
[TestFixture]
public sealed class PipelineRuns_Specs : StackFixture
{
    private PipelineSeeder Seeder => new(Stack.Database.DataSource);

    private Task<Guid> PipelineRunAsync(string job, params SeedStep[] steps) => Seeder.PlannedRunAsync(Client, job, steps);

    private static List<JsonElement> Steps(JsonElement run) => run.GetProperty("steps").EnumerateArray().ToList();

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Test]
    public async Task When_a_pipeline_run_is_read_Should_show_every_step_in_order_with_its_place_in_the_graph_and_its_state()
    {
        var id = await PipelineRunAsync("shape", Step("build"), Step("test", "build"), new SeedStep("lint", ["build"], "always", AllowFailure: true),
            Step("deploy", "test", "lint"));
        await Seeder.FinishAsync(id, "build", RunStatus.Succeeded);
        var buildRow = await Seeder.StepRowAsync(id, "build");

        var run = await Client.GetJsonAsync($"/runs/{id}");

        Assert.That(run.GetProperty("pipeline").GetBoolean(), Is.True);
        Assert.That(run.Str("status"), Is.EqualTo("running"));
        var steps = Steps(run);
        Assert.That(steps.Select(s => s.Str("key")), Is.EqualTo(new[] { "build", "test", "lint", "deploy" }));
        var build = steps[0];
        Assert.That(build.Str("id"), Is.EqualTo(buildRow.ToString()));
        Assert.That(build.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(build.GetProperty("attempt").GetInt32(), Is.EqualTo(1));
        Assert.That(build.GetProperty("exitCode").GetInt32(), Is.Zero);
        Assert.That(build.Str("runnerId"), Is.EqualTo("seeded-runner"));
        Assert.That(build.Str("resourceClass"), Is.EqualTo("small"));
        Assert.That(build.TryGetProperty("startedAt", out _) && build.TryGetProperty("finishedAt", out _), Is.True);
        Assert.That(build.GetProperty("links").Str("console"), Is.EqualTo($"/runs/{id}/steps/build/console"));
        Assert.That(steps.Select(s => s.Str("status")), Is.EqualTo(new[] { "succeeded", "queued", "queued", "waiting" }),
            "the database released the steps whose needs ended");
        Assert.That(Strings(steps[3].GetProperty("needs")), Is.EqualTo(new[] { "test", "lint" }));
        Assert.That(steps[2].Str("when"), Is.EqualTo("always"));
        Assert.That(steps[2].GetProperty("allowFailure").GetBoolean(), Is.True);
        Assert.That(steps[1].Str("when"), Is.EqualTo("success"));
        Assert.That(steps.Select(s => s.Str("id")).Distinct().Count(), Is.EqualTo(4), "each step is a runs row of its own");
    }

    [Test]
    public async Task When_a_run_has_no_steps_Should_show_one_step_main_which_is_the_run_itself()
    {
        await Client.CreateJobAsync("plain", JobRequests.Freestyle());
        var triggered = await Client.TriggerAsync("plain");
        var id = triggered.Str("id");

        var run = await Client.GetJsonAsync($"/runs/{id}");
        var main = await Client.GetJsonAsync($"/runs/{id}/steps/main");

        Assert.That(run.GetProperty("pipeline").GetBoolean(), Is.False);
        var steps = Steps(run);
        Assert.That(steps, Has.Count.EqualTo(1));
        Assert.That(steps[0].Str("key"), Is.EqualTo("main"));
        Assert.That(steps[0].Str("id"), Is.EqualTo(id));
        Assert.That(steps[0].Str("status"), Is.EqualTo("queued"));
        Assert.That(steps[0].GetProperty("attempt").GetInt32(), Is.Zero, "the run's own attempt");
        Assert.That(steps[0].GetProperty("needs").GetArrayLength(), Is.Zero);
        Assert.That(steps[0].Str("when"), Is.EqualTo("success"));
        Assert.That(main.Str("id"), Is.EqualTo(id));
        Assert.That(Steps(triggered).Single().Str("key"), Is.EqualTo("main"), "the trigger's answer has it too");
        var problem = await (await Client.GetAsync($"/runs/{id}/steps/build")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That(problem.Detail(), Does.Contain("'main'"));
    }

    [Test]
    public async Task When_runs_are_listed_Should_list_each_pipeline_once_without_steps_and_never_a_step()
    {
        var id = await PipelineRunAsync("listed", Step("a"), Step("b", "a"));
        var stepRows = new[] { await Seeder.StepRowAsync(id, "a"), await Seeder.StepRowAsync(id, "b") }.Select(g => g.ToString()).ToList();

        foreach (var path in new[] { "/runs?job=listed", "/jobs/listed/runs", "/runs?status=queued", "/runs?limit=100" })
        {
            var items = (await Client.GetJsonAsync(path)).GetProperty("items").EnumerateArray().ToList();
            Assert.That(items.Select(r => r.Str("id")), Has.None.AnyOf(stepRows), path);
            Assert.That(items.Where(r => r.Str("job") == "listed").Select(r => r.TryGetProperty("steps", out _)), Has.All.False, $"{path}: lists leave steps out");
        }
        var mine = (await Client.GetJsonAsync("/runs?job=listed")).GetProperty("items").EnumerateArray().ToList();
        Assert.That(mine.Select(r => r.Str("id")), Is.EqualTo(new[] { id.ToString() }));
        Assert.That(mine[0].GetProperty("pipeline").GetBoolean(), Is.True);
    }

    [Test]
    public async Task When_a_pipeline_run_is_asked_for_by_number_Should_answer_the_run_with_its_steps()
    {
        var id = await PipelineRunAsync("numbered", Step("a"), Step("b", "a"));

        var run = await Client.GetJsonAsync("/jobs/numbered/runs/1");

        Assert.That(run.Str("id"), Is.EqualTo(id.ToString()));
        Assert.That(Steps(run).Select(s => s.Str("key")), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task When_a_steps_row_is_asked_for_as_a_run_Should_answer_404_as_steps_are_addressed_through_their_run()
    {
        var id = await PipelineRunAsync("step-as-run", Step("a"));
        var row = await Seeder.StepRowAsync(id, "a");

        await (await Client.GetAsync($"/runs/{row}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/runs/{row}/results/console")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostAsync($"/runs/{row}/abort", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostAsync($"/runs/{row}/rerun", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That(await Seeder.StepStatusAsync(id, "a"), Is.EqualTo(RunStatus.Queued), "nothing was aborted");
    }

    [Test]
    public async Task When_a_steps_console_is_read_Should_answer_that_steps_log_stored_with_etag_and_ranges_and_followable()
    {
        var id = await PipelineRunAsync("step-console", Step("build"), Step("test", "build"));
        await new RunResultsSeeder(Stack).FinishWithResultsAsync(await Seeder.StepRowAsync(id, "build"));

        var whole = await Client.GetAsync($"/runs/{id}/steps/build/console");
        var part = await SendAsync($"/runs/{id}/steps/build/console", h => h.Range = new RangeHeaderValue(0, 3));
        var notModified = await SendAsync($"/runs/{id}/steps/build/console", h => h.IfNoneMatch.Add(whole.Headers.ETag!));
        var followed = await Client.GetStringAsync($"/runs/{id}/steps/build/console?follow=true");
        var waiting = await Client.GetAsync($"/runs/{id}/steps/test/console");

        Assert.That(whole.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await whole.Content.ReadAsStringAsync(), Is.EqualTo(RunResultsSeeder.Log));
        Assert.That(whole.Headers.ETag, Is.Not.Null);
        Assert.That(part.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await part.Content.ReadAsStringAsync(), Is.EqualTo(RunResultsSeeder.Log[..4]));
        Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(followed, Does.Contain("event: log").And.Contain("tour: done").And.Contain("event: end"));
        Assert.That(waiting.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a step that has not started has no output yet");
        Assert.That(await waiting.Content.ReadAsStringAsync(), Is.Empty);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, Action<HttpRequestHeaders> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        headers(request.Headers);
        return await Client.SendAsync(request);
    }

    [Test]
    public async Task When_the_console_of_a_pipeline_itself_is_asked_for_Should_answer_409_naming_the_step_consoles()
    {
        var id = await PipelineRunAsync("run-console", Step("a"));

        var byId = await (await Client.GetAsync($"/runs/{id}/results/console")).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        await (await Client.GetAsync("/jobs/run-console/runs/1/results/console?follow=true")).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Assert.That(byId.Detail(), Does.Contain($"/runs/{id}/steps/{{key}}/console"));
    }

    [Test]
    public async Task When_steps_have_junit_summaries_Should_answer_their_sum_as_the_runs_summary_each_line_naming_its_step()
    {
        var id = await PipelineRunAsync("summed", Step("unit"), Step("e2e"), Step("lint"));
        var results = new RunResultsSeeder(Stack);
        await results.FinishWithResultsAsync(await Seeder.StepRowAsync(id, "unit"));
        await results.FinishWithResultsAsync(await Seeder.StepRowAsync(id, "e2e"));

        var summary = await Client.GetJsonAsync($"/runs/{id}/results/junit/summary");
        var stepSummary = await Client.GetJsonAsync($"/runs/{id}/steps/e2e/results/junit/summary");
        var overview = await Client.GetJsonAsync($"/runs/{id}/results");

        Assert.That(summary.GetProperty("totals").GetProperty("tests").GetInt32(), Is.EqualTo(2));
        Assert.That(summary.GetProperty("files").GetInt32(), Is.EqualTo(2));
        Assert.That(summary.GetProperty("suites").EnumerateArray().Select(s => s.Str("fileName")),
            Is.EqualTo(new[] { "unit/TEST-tour.xml", "e2e/TEST-tour.xml" }));
        Assert.That(stepSummary.GetProperty("totals").GetProperty("tests").GetInt32(), Is.EqualTo(1));
        Assert.That(overview.Str("junitSummary"), Is.EqualTo($"/runs/{id}/results/junit/summary"));
        await (await Client.GetAsync($"/runs/{id}/steps/lint/results/junit/summary")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_a_steps_files_are_asked_for_Should_serve_that_steps_reports_and_artifacts()
    {
        var id = await PipelineRunAsync("step-files", Step("build"));
        await new RunResultsSeeder(Stack).FinishWithResultsAsync(await Seeder.StepRowAsync(id, "build"));

        var overview = await Client.GetJsonAsync($"/runs/{id}/steps/build/results");
        var artifacts = await Client.GetJsonAsync($"/runs/{id}/steps/build/results/artifacts");
        var artifact = await Client.GetStringAsync($"/runs/{id}/steps/build/results/artifacts/{RunResultsSeeder.TextArtifact}");
        var zip = await Client.GetAsync($"/runs/{id}/steps/build/results/junit");

        Assert.That(overview.GetProperty("console").Str("link"), Is.EqualTo($"/runs/{id}/steps/build/console"));
        Assert.That(overview.Str("junitSummary"), Is.EqualTo($"/runs/{id}/steps/build/results/junit/summary"));
        Assert.That(artifacts.GetProperty("items").EnumerateArray().Select(a => a.Str("path")), Does.Contain(RunResultsSeeder.TextArtifact));
        Assert.That(artifact, Is.EqualTo("built by the tour\n"));
        Assert.That(zip.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/zip"));
        Assert.That(zip.Content.Headers.ContentDisposition!.FileName, Does.Contain("step-files-1-build"));
        await (await Client.GetAsync($"/runs/{id}/steps/nope/results/artifacts")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }
}
