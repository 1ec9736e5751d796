using System.Net;
using System.Text.Json;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Jobs;

/// <summary>
/// PUT/GET/DELETE /jobs against a real Api and Postgres (no Runner: triggered runs stay queued).
/// PUT is idempotent; bad bodies are precise problems; delete keeps history and run numbers.
/// </summary>
[TestFixture]
public sealed class JobsApi_Specs : StackFixture
{
    private Task<DateTime> UpdatedAtInDbAsync(string name) =>
        Stack.Database.ScalarAsync<DateTime>("SELECT updated_at FROM jobs WHERE name = @name", new { name });

    [Test]
    public async Task When_a_job_is_put_for_the_first_time_Should_answer_201_with_its_location_and_outcome_created()
    {
        var response = await Client.PutJobAsync("first-put", JobRequests.Freestyle("make test"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo("/jobs/first-put"));
        var body = await response.ReadJsonAsync();
        Assert.That(body.Str("outcome"), Is.EqualTo("created"));
        Assert.That(body.GetProperty("job").Str("name"), Is.EqualTo("first-put"));
        Assert.That(body.GetProperty("job").Str("resourceClass"), Is.EqualTo("small"), "the first configured class");

        var stored = await Client.GetJsonAsync("/jobs/first-put");
        Assert.That(stored.Str("type"), Is.EqualTo("freestyle"));
        Assert.That(stored.GetProperty("script")[0].GetString(), Is.EqualTo("make test"));
    }

    [Test]
    public async Task When_the_same_body_is_put_again_Should_answer_200_unchanged_and_write_nothing()
    {
        await Client.CreateJobAsync("same-again", JobRequests.Freestyle("echo same"));
        var updatedAt = await UpdatedAtInDbAsync("same-again");

        var again = await Client.PutJobAsync("same-again", JobRequests.Freestyle("echo same"));

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await again.ReadJsonAsync()).Str("outcome"), Is.EqualTo("unchanged"));
        Assert.That(await UpdatedAtInDbAsync("same-again"), Is.EqualTo(updatedAt));
    }

    [Test]
    public async Task When_the_body_changes_Should_answer_200_updated_and_store_the_new_spec()
    {
        await Client.CreateJobAsync("changing", JobRequests.Freestyle("echo v1"));
        var updatedAt = await UpdatedAtInDbAsync("changing");

        var changed = await Client.PutJobAsync("changing", JobRequests.Freestyle("echo v2") with { TimeoutSeconds = 60 });

        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await changed.ReadJsonAsync()).Str("outcome"), Is.EqualTo("updated"));
        var stored = await Client.GetJsonAsync("/jobs/changing");
        Assert.That(stored.GetProperty("script")[0].GetString(), Is.EqualTo("echo v2"));
        Assert.That(stored.GetProperty("timeoutSeconds").GetInt32(), Is.EqualTo(60));
        Assert.That(await UpdatedAtInDbAsync("changing"), Is.GreaterThan(updatedAt));
    }

    [Test]
    public async Task When_the_body_has_an_unknown_property_Should_answer_400_problem_naming_it()
    {
        var body = JsonSerializer.SerializeToNode(JobRequests.Freestyle(), Json.Options)!.AsObject();
        body["imageTag"] = "latest";

        var response = await Client.PutJsonTextAsync("/jobs/typo", body.ToJsonString());

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Detail(), Does.Contain("imageTag"));
        Assert.That((await Client.GetAsync("/jobs/typo")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task When_the_body_is_malformed_json_Should_answer_400_problem_saying_where()
    {
        var response = await Client.PutJsonTextAsync("/jobs/malformed", "{\n  \"type\": freestyle\n}");

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Detail(), Does.Contain("LineNumber: 1").And.Contain("BytePositionInLine"));
    }

    [Test]
    public async Task When_the_type_is_not_a_known_job_type_Should_answer_400_problem()
    {
        var body = JsonSerializer.SerializeToNode(JobRequests.Freestyle(), Json.Options)!.AsObject();
        body["type"] = "pipeline";

        await (await Client.PutJsonTextAsync("/jobs/odd-type", body.ToJsonString())).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task When_the_resource_class_is_unknown_Should_answer_400_problem_naming_the_configured_classes()
    {
        var response = await Client.PutJobAsync("huge-job", JobRequests.Freestyle() with { ResourceClass = "huge" });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Errors()["resourceClass"].Single(), Does.Contain("small, large"));
        Assert.That((await Client.GetAsync("/jobs/huge-job")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task When_the_job_name_is_invalid_Should_answer_400_problem_naming_the_name()
    {
        var response = await Client.PutJobAsync("-dash-first", JobRequests.Freestyle());

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Errors(), Does.ContainKey("name"));
    }

    [Test]
    public async Task When_a_job_does_not_exist_Should_answer_404_problem_on_get_and_delete()
    {
        var get = await (await Client.GetAsync("/jobs/never-created")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That(get.Detail(), Does.Contain("'never-created'"));

        await (await Client.DeleteAsync("/jobs/never-created")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_a_job_with_a_queued_run_is_deleted_Should_answer_409_problem_and_keep_the_job()
    {
        await Client.CreateJobAsync("busy", JobRequests.Freestyle());
        var run = await Client.TriggerAsync("busy");
        Assert.That(run.Str("status"), Is.EqualTo("queued"));

        var problem = await (await Client.DeleteAsync("/jobs/busy")).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Assert.That(problem.Detail(), Does.Contain("'busy'"));
        Assert.That((await Client.GetAsync("/jobs/busy")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>No Runner here: end the job's runs the way one would, so nothing is active.</summary>
    private Task EndRunsAsync(string job) =>
        Stack.Database.ExecuteAsync("UPDATE runs SET status = @aborted, finished_at = now() WHERE job_name = @job",
            new { job, aborted = RunStatus.Aborted.Name() });

    [Test]
    public async Task When_a_job_without_active_runs_is_deleted_Should_hide_the_job_but_keep_its_run_history()
    {
        await Client.CreateJobAsync("retired", JobRequests.Freestyle());
        var first = await Client.TriggerAsync("retired");
        var second = await Client.TriggerAsync("retired");
        await EndRunsAsync("retired");

        var delete = await Client.DeleteAsync("/jobs/retired");

        Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await Client.GetAsync("/jobs/retired")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var listed = (await Client.GetJsonAsync("/jobs?limit=100")).GetProperty("items").EnumerateArray().Select(j => j.Str("name"));
        Assert.That(listed, Does.Not.Contain("retired"));
        var history = (await Client.GetJsonAsync("/jobs/retired/runs")).GetProperty("items").EnumerateArray().Select(r => r.Str("id"));
        Assert.That(history, Is.EqualTo(new[] { second.Str("id"), first.Str("id") }));
        Assert.That((await Client.GetJsonAsync("/jobs/retired/runs/1")).Str("id"), Is.EqualTo(first.Str("id")));
    }

    [Test]
    public async Task When_a_deleted_job_is_put_again_Should_answer_201_and_continue_its_run_numbers()
    {
        await Client.CreateJobAsync("phoenix", JobRequests.Freestyle());
        await Client.TriggerAsync("phoenix");
        await Client.TriggerAsync("phoenix");
        await EndRunsAsync("phoenix");
        Assert.That((await Client.DeleteAsync("/jobs/phoenix")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var again = await Client.PutJobAsync("phoenix", JobRequests.Freestyle());
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await again.ReadJsonAsync()).Str("outcome"), Is.EqualTo("created"));

        var run = await Client.TriggerAsync("phoenix");
        Assert.That(run.GetProperty("number").GetInt32(), Is.EqualTo(3));
    }

    [Test]
    public async Task When_a_deleted_job_is_triggered_Should_answer_404_problem()
    {
        await Client.CreateJobAsync("gone", JobRequests.Freestyle());
        Assert.That((await Client.DeleteAsync("/jobs/gone")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        await (await Client.PostRunAsync("gone")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }
}
