using System.Net;
using System.Text.Json;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Runs;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.SeedStep;

namespace Narwhal.Api.Tests.Runs;

/// <summary>
/// Retrying steps without redoing what worked, and aborting a pipeline, through the Api against the real database
/// functions that advance pipelines. No Runner: the <see cref="PipelineSeeder"/> plays its part.
/// </summary>
[TestFixture]
public sealed class StepRetry_Specs : StackFixture
{
    private PipelineSeeder Seeder => new(Stack.Database.DataSource);

    private Task<Guid> PipelineRunAsync(string job, params SeedStep[] steps) => Seeder.PlannedRunAsync(Client, job, steps);

    private static Dictionary<string, JsonElement> StepsByKey(JsonElement run) =>
        run.GetProperty("steps").EnumerateArray().ToDictionary(s => s.Str("key"));

    private Task<long> OutboxRowsAsync(Guid runId) =>
        Stack.Database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @runId AND message_type = 'ExecuteRun'", new { runId });

    [Test]
    public async Task When_a_failed_step_is_retried_Should_supersede_it_and_its_skipped_dependents_reopen_the_run_and_queue_it()
    {
        var id = await PipelineRunAsync("retry-one", Step("build"), Step("test", "build"), Step("deploy", "test"), Step("docs"));
        await Seeder.FinishAsync(id, "build", RunStatus.Succeeded);
        await Seeder.FinishAsync(id, "test", RunStatus.Failed);
        await Seeder.FinishAsync(id, "docs", RunStatus.Succeeded);
        var failed = await Client.GetJsonAsync($"/runs/{id}");
        Assert.That(failed.Str("status"), Is.EqualTo("failed"), "the run ended with its failing step");
        var before = StepsByKey(failed);
        Assert.That(before["deploy"].Str("status"), Is.EqualTo("skipped"));

        var response = await Client.PostAsync($"/runs/{id}/steps/test/retry", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var run = await response.ReadJsonAsync();
        Assert.That(run.Str("status"), Is.EqualTo("running"));
        Assert.That(run.TryGetProperty("finishedAt", out _), Is.False);
        Assert.That(run.TryGetProperty("exitCode", out _), Is.False);
        var steps = StepsByKey(run);
        Assert.That(steps.Keys, Is.EqualTo(new[] { "build", "test", "deploy", "docs" }), "position order");
        Assert.That(steps["build"].Str("id"), Is.EqualTo(before["build"].Str("id")), "what worked is kept");
        Assert.That(steps["docs"].Str("id"), Is.EqualTo(before["docs"].Str("id")));
        Assert.That((steps["test"].Str("status"), steps["test"].GetProperty("attempt").GetInt32()), Is.EqualTo(("queued", 2)));
        Assert.That((steps["deploy"].Str("status"), steps["deploy"].GetProperty("attempt").GetInt32()), Is.EqualTo(("waiting", 2)));
        Assert.That(steps["test"].Str("id"), Is.Not.EqualTo(before["test"].Str("id")), "a new runs row");
        Assert.That(await OutboxRowsAsync(Guid.Parse(steps["test"].Str("id"))), Is.EqualTo(1), "released in the same transaction");
        Assert.That(await OutboxRowsAsync(Guid.Parse(steps["deploy"].Str("id"))), Is.Zero, "its need has not run yet");

        var first = await Client.GetJsonAsync($"/runs/{id}/steps/test?attempt=1");
        Assert.That(first.Str("id"), Is.EqualTo(before["test"].Str("id")));
        Assert.That(first.Str("status"), Is.EqualTo("failed"));
        Assert.That(first.TryGetProperty("supersededAt", out _), Is.True);
        await (await Client.GetAsync($"/runs/{id}/steps/test?attempt=3")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        await Seeder.FinishAsync(id, "test", RunStatus.Succeeded);
        await Seeder.FinishAsync(id, "deploy", RunStatus.Succeeded);
        var ended = await Client.GetJsonAsync($"/runs/{id}");
        Assert.That(ended.Str("status"), Is.EqualTo("succeeded"), "the retried steps decide the run now");
    }

    [Test]
    public async Task When_a_step_that_has_not_ended_is_retried_Should_answer_409_and_change_nothing()
    {
        var id = await PipelineRunAsync("retry-active", Step("build"), Step("test", "build"));
        await Seeder.StartAsync(id, "build");

        var running = await (await Client.PostAsync($"/runs/{id}/steps/build/retry", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        var waiting = await (await Client.PostAsync($"/runs/{id}/steps/test/retry", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Assert.That(running.Detail(), Does.Contain("'build'").And.Contain("running"));
        Assert.That(waiting.Detail(), Does.Contain("waiting"));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM run_steps WHERE parent_run_id = @id", new { id }), Is.EqualTo(2));
    }

    [Test]
    public async Task When_an_unknown_step_is_retried_Should_answer_404_naming_the_steps_there_are()
    {
        var id = await PipelineRunAsync("retry-unknown", Step("build"));
        await Seeder.FinishAsync(id, "build", RunStatus.Failed);

        var problem = await (await Client.PostAsync($"/runs/{id}/steps/buidl/retry", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        Assert.That(problem.Detail(), Does.Contain("'buidl'").And.Contain("'build'"));
        await (await Client.PostAsync($"/runs/{Guid.NewGuid()}/steps/build/retry", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_a_run_without_steps_is_retried_Should_answer_409_pointing_at_rerun()
    {
        await Client.CreateJobAsync("retry-plain", JobRequests.Freestyle());
        var id = (await Client.TriggerAsync("retry-plain")).Str("id");
        await Stack.Database.ExecuteAsync("UPDATE runs SET status = 'failed', finished_at = now() WHERE id = @id", new { id = Guid.Parse(id) });

        var step = await (await Client.PostAsync($"/runs/{id}/steps/main/retry", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        var failed = await (await Client.PostAsync($"/runs/{id}/retry-failed", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Assert.That(step.Detail(), Does.Contain($"POST /runs/{id}/rerun"));
        Assert.That(failed.Detail(), Does.Contain($"POST /runs/{id}/rerun"));
    }

    [Test]
    public async Task When_failed_steps_are_retried_together_Should_retry_each_failure_and_what_it_skipped_and_keep_the_rest()
    {
        var id = await PipelineRunAsync("retry-failed", Step("a"), Step("b"), Step("c", "a"), Step("d"), Step("e", "d"));
        await Seeder.FinishAsync(id, "a", RunStatus.Failed);
        await Seeder.FinishAsync(id, "b", RunStatus.TimedOut);
        await Seeder.FinishAsync(id, "d", RunStatus.Succeeded);
        await Seeder.FinishAsync(id, "e", RunStatus.Succeeded);
        var before = StepsByKey(await Client.GetJsonAsync($"/runs/{id}"));

        var response = await Client.PostAsync($"/runs/{id}/retry-failed", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var steps = StepsByKey(await response.ReadJsonAsync());
        Assert.That(new[] { "a", "b", "c" }.Select(k => steps[k].GetProperty("attempt").GetInt32()), Is.All.EqualTo(2));
        Assert.That(new[] { "a", "b", "c" }.Select(k => steps[k].Str("status")), Is.EqualTo(new[] { "queued", "queued", "waiting" }));
        Assert.That(new[] { "d", "e" }.Select(k => steps[k].Str("id")), Is.EqualTo(new[] { before["d"].Str("id"), before["e"].Str("id") }));

        await Seeder.FinishAsync(id, "a", RunStatus.Succeeded);
        await Seeder.FinishAsync(id, "b", RunStatus.Succeeded);
        await Seeder.FinishAsync(id, "c", RunStatus.Succeeded);
        var again = await (await Client.PostAsync($"/runs/{id}/retry-failed", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        Assert.That(again.Detail(), Does.Contain("nothing to retry"));
        Assert.That((await Client.GetJsonAsync($"/runs/{id}")).Str("status"), Is.EqualTo("succeeded"));
    }

    [Test]
    public async Task When_a_pipeline_is_aborted_Should_abort_queued_steps_stop_running_ones_and_skip_waiting_ones()
    {
        var id = await PipelineRunAsync("abort-cascade", Step("a"), Step("b"), Step("c", "a"));
        await Seeder.StartAsync(id, "b");
        var runningRow = await Seeder.StepRowAsync(id, "b");

        var response = await Client.PostAsync($"/runs/{id}/abort", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var run = await response.ReadJsonAsync();
        Assert.That(run.Str("status"), Is.EqualTo("running"), "its running step still has to stop");
        Assert.That(run.TryGetProperty("abortRequestedAt", out _), Is.True);
        var steps = StepsByKey(run);
        Assert.That(new[] { "a", "b", "c" }.Select(k => steps[k].Str("status")), Is.EqualTo(new[] { "aborted", "running", "skipped" }));
        Assert.That(await Stack.Database.ScalarAsync<bool>("SELECT abort_requested_at IS NOT NULL FROM runs WHERE id = @runningRow", new { runningRow }),
            "its Runner finds the request at its next check");

        await Seeder.FinishAsync(id, "b", RunStatus.Aborted);
        Assert.That((await Client.GetJsonAsync($"/runs/{id}")).Str("status"), Is.EqualTo("aborted"));
        await (await Client.PostAsync($"/runs/{id}/abort", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
    }

    [Test]
    public async Task When_a_pipeline_with_nothing_running_is_aborted_Should_end_it_at_once()
    {
        var id = await PipelineRunAsync("abort-now", Step("a"), Step("b", "a"));

        var response = await Client.PostAsync($"/runs/{id}/abort", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var run = await response.ReadJsonAsync();
        Assert.That(run.Str("status"), Is.EqualTo("aborted"));
        Assert.That(StepsByKey(run).Values.Select(s => s.Str("status")), Is.EqualTo(new[] { "aborted", "skipped" }));
    }

    [Test]
    public async Task When_an_aborted_pipelines_step_is_retried_Should_run_it_again_as_the_abort_is_over()
    {
        var id = await PipelineRunAsync("retry-aborted", Step("a"), Step("b", "a"));
        await Client.PostAsync($"/runs/{id}/abort", null);

        var response = await Client.PostAsync($"/runs/{id}/retry-failed", null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var run = await response.ReadJsonAsync();
        Assert.That(run.TryGetProperty("abortRequestedAt", out _), Is.False);
        Assert.That(StepsByKey(run).Values.Select(s => s.Str("status")), Is.EqualTo(new[] { "queued", "waiting" }));
    }
}
