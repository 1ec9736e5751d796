using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Api.Dtos;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Persistence;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Jobs;

/// <summary>
/// PUT /jobs/{name}?dryRun=true plans what the real PUT would do (for `narwhal apply`): same validation, same status
/// and body, plus <c>dryRun: true</c>, and nothing written. Both report <c>changes</c> field by field.
/// </summary>
[TestFixture]
public sealed class JobsDryRun_Specs : StackFixture
{
    private Task<HttpResponseMessage> PlanJobAsync(string name, JobRequest job) =>
        Client.PutAsJsonAsync($"/jobs/{name}?dryRun=true", job, Json.Options);

    private Task<DateTime> UpdatedAtInDbAsync(string name) =>
        Stack.Database.ScalarAsync<DateTime>("SELECT updated_at FROM jobs WHERE name = @name", new { name });

    /// <summary>The changes of an answer as (field, from, to) with from/to as compact JSON ("null" for an absent side).</summary>
    private static List<(string Field, string From, string To)> Changes(JsonElement body) =>
        body.GetProperty("changes").EnumerateArray()
            .Select(c => (c.Str("field"), c.GetProperty("from").GetRawText(), c.GetProperty("to").GetRawText())).ToList();

    [Test]
    public async Task When_a_new_job_is_put_as_a_dry_run_Should_answer_201_created_and_write_nothing()
    {
        var response = await PlanJobAsync("planned-only", JobRequests.Freestyle("make test"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.Location, Is.Null, "nothing was created to point at");
        var body = await response.ReadJsonAsync();
        Assert.That(body.Str("outcome"), Is.EqualTo("created"));
        Assert.That(body.GetProperty("dryRun").GetBoolean(), Is.True);
        Assert.That(body.GetProperty("changes").GetArrayLength(), Is.Zero, "a created job lists no changes");
        Assert.That(body.GetProperty("job").Str("name"), Is.EqualTo("planned-only"));
        Assert.That(body.GetProperty("job").GetProperty("script")[0].GetString(), Is.EqualTo("make test"));

        await (await Client.GetAsync("/jobs/planned-only")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = 'planned-only'"), Is.Zero);
    }

    [Test]
    public async Task When_a_changed_job_is_put_as_a_dry_run_Should_report_the_changed_fields_and_leave_the_job_as_it_was()
    {
        await Client.CreateJobAsync("plan-update", JobRequests.Git(defaultBranch: "main"));
        var updatedAt = await UpdatedAtInDbAsync("plan-update");

        var response = await PlanJobAsync("plan-update", JobRequests.Git(defaultBranch: "release") with { TimeoutSeconds = 60 });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var body = await response.ReadJsonAsync();
        Assert.That(body.Str("outcome"), Is.EqualTo("updated"));
        Assert.That(body.GetProperty("dryRun").GetBoolean(), Is.True);
        Assert.That(Changes(body), Is.EqualTo(new[]
        {
            ("git.defaultBranch", "\"main\"", "\"release\""),
            ("timeoutSeconds", "null", "60"),
        }));
        Assert.That(body.GetProperty("job").GetProperty("git").Str("defaultBranch"), Is.EqualTo("release"), "the job as it would be");

        Assert.That(await UpdatedAtInDbAsync("plan-update"), Is.EqualTo(updatedAt));
        var stored = await Client.GetJsonAsync("/jobs/plan-update");
        Assert.That(stored.GetProperty("git").Str("defaultBranch"), Is.EqualTo("main"));
        Assert.That(stored.TryGetProperty("timeoutSeconds", out _), Is.False);
    }

    [Test]
    public async Task When_the_planned_change_is_then_put_for_real_Should_report_the_same_changes_and_store_them()
    {
        await Client.CreateJobAsync("plan-then-apply", JobRequests.Freestyle("echo v1").WithParameters(JobRequests.Parameter("TARGET", "staging")));
        var change = JobRequests.Freestyle("echo v2").WithParameters(JobRequests.Parameter("TARGET", "prod")) with { Description = "deploys" };

        var planned = await (await PlanJobAsync("plan-then-apply", change)).ReadJsonAsync();
        var applied = await Client.PutJobAsync("plan-then-apply", change);

        Assert.That(applied.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await applied.ReadJsonAsync();
        Assert.That(body.Str("outcome"), Is.EqualTo("updated"));
        Assert.That(body.GetProperty("dryRun").GetBoolean(), Is.False);
        Assert.That(Changes(body), Is.EqualTo(Changes(planned)));
        Assert.That(Changes(body).Select(c => c.Field), Is.EqualTo(new[] { "description", "script", "parameters" }),
            "arrays are compared as whole values");
        Assert.That((await Client.GetJsonAsync("/jobs/plan-then-apply")).Str("description"), Is.EqualTo("deploys"));
    }

    [Test]
    public async Task When_an_identical_job_is_put_Should_answer_unchanged_with_no_changes_for_real_and_as_a_dry_run()
    {
        var job = JobRequests.Git(defaultBranch: "main").WithParameters(JobRequests.Parameter("TARGET", "prod"));
        await Client.CreateJobAsync("plan-same", job);
        var updatedAt = await UpdatedAtInDbAsync("plan-same");

        foreach (var response in new[] { await PlanJobAsync("plan-same", job), await Client.PutJobAsync("plan-same", job) })
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var body = await response.ReadJsonAsync();
            Assert.That(body.Str("outcome"), Is.EqualTo("unchanged"));
            Assert.That(body.GetProperty("changes").GetArrayLength(), Is.Zero);
            Assert.That(body.GetProperty("job").GetProperty("updatedAt").GetDateTime(), Is.EqualTo(updatedAt));
        }
        Assert.That(await UpdatedAtInDbAsync("plan-same"), Is.EqualTo(updatedAt));
    }

    [Test]
    public async Task When_a_dry_run_body_is_invalid_Should_answer_the_same_problem_as_the_real_put_and_write_nothing()
    {
        await Client.CreateJobAsync("plan-invalid", JobRequests.Freestyle("echo kept"));
        var updatedAt = await UpdatedAtInDbAsync("plan-invalid");
        var invalid = JobRequests.Freestyle("echo never") with { ResourceClass = "huge" };

        var planned = await (await PlanJobAsync("plan-invalid", invalid)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        var real = await (await Client.PutJobAsync("plan-invalid", invalid)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(planned.Errors()["resourceClass"], Is.EqualTo(real.Errors()["resourceClass"]));
        Assert.That(await UpdatedAtInDbAsync("plan-invalid"), Is.EqualTo(updatedAt));
        await (await PlanJobAsync("plan-invalid-new", invalid)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = 'plan-invalid-new'"), Is.Zero);
    }

    [Test]
    public async Task When_a_deleted_job_is_put_as_a_dry_run_Should_answer_created_and_leave_it_deleted()
    {
        await Client.CreateJobAsync("plan-deleted", JobRequests.Freestyle());
        Assert.That((await Client.DeleteAsync("/jobs/plan-deleted")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var response = await PlanJobAsync("plan-deleted", JobRequests.Freestyle("echo back"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var body = await response.ReadJsonAsync();
        Assert.That(body.Str("outcome"), Is.EqualTo("created"));
        Assert.That(body.GetProperty("changes").GetArrayLength(), Is.Zero);
        await (await Client.GetAsync("/jobs/plan-deleted")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_dry_run_is_not_a_boolean_Should_answer_400_problem_and_write_nothing()
    {
        var response = await Client.PutAsJsonAsync("/jobs/plan-odd-flag?dryRun=maybe", JobRequests.Freestyle(), Json.Options);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Detail(), Does.Contain("dryRun"));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = 'plan-odd-flag'"), Is.Zero);
    }
}
