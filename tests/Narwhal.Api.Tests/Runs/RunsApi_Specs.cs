using System.Net;
using System.Text.Json;
using Narwhal.Api.Dtos;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Runs;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobRequests;

namespace Narwhal.Api.Tests.Runs;

/// <summary>
/// Triggering, reading and listing runs against a real Api, Postgres and RabbitMQ, with no
/// Runner: every run stays queued. Each spec uses jobs of its own so run numbers are its own.
/// </summary>
[TestFixture]
public sealed class RunsApi_Specs : StackFixture
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";

    private static TriggerRequest WithParameters(params (string Name, string Value)[] values) =>
        new() { Parameters = values.ToDictionary(v => v.Name, v => v.Value) };

    [Test]
    public async Task When_a_job_is_triggered_three_times_Should_queue_runs_numbered_1_2_3_each_with_its_location()
    {
        await Client.CreateJobAsync("counted", Freestyle());

        var numbers = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var response = await Client.PostRunAsync("counted");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
            var run = await response.ReadJsonAsync();
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/runs/{run.Str("id")}"));
            Assert.That(run.Str("status"), Is.EqualTo("queued"));
            Assert.That(run.Str("job"), Is.EqualTo("counted"));
            Assert.That(run.GetProperty("attempt").GetInt32(), Is.Zero);
            Assert.That(run.GetProperty("trigger").Str("tokenName"), Is.EqualTo("bootstrap-admin"));
            numbers.Add(run.GetProperty("number").GetInt32());
        }

        Assert.That(numbers, Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public async Task When_a_run_is_triggered_without_a_body_Should_queue_it()
    {
        await Client.CreateJobAsync("no-body", Freestyle());

        var response = await Client.PostAsync("/jobs/no-body/runs", content: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task When_the_job_does_not_exist_Should_answer_404_problem_naming_it()
    {
        var problem = await (await Client.PostRunAsync("no-such-job")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        Assert.That(problem.Detail(), Does.Contain("'no-such-job'"));
    }

    [Test]
    public async Task When_a_freestyle_run_names_a_commit_Should_answer_400_problem_and_queue_nothing()
    {
        await Client.CreateJobAsync("free-commit", Freestyle());

        var problem = await (await Client.PostRunAsync("free-commit", new TriggerRequest { CommitSha = Sha }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors(), Does.ContainKey("commitSha"));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM runs WHERE job_name = 'free-commit'"), Is.Zero);
    }

    [Test]
    public async Task When_a_git_run_names_both_commit_and_branch_Should_answer_400_problem()
    {
        await Client.CreateJobAsync("git-both", Git());

        var problem = await (await Client.PostRunAsync("git-both", new TriggerRequest { CommitSha = Sha, BranchName = "main" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors(), Does.ContainKey("commitSha"));
    }

    [Test]
    public async Task When_a_git_run_names_neither_commit_nor_branch_Should_run_the_default_branch()
    {
        await Client.CreateJobAsync("git-default", Git(defaultBranch: "trunk"));

        var run = await Client.TriggerAsync("git-default");

        Assert.That(run.Str("branch"), Is.EqualTo("trunk"));
        Assert.That(run.TryGetProperty("commitSha", out _), Is.False);
    }

    [Test]
    public async Task When_a_git_run_names_an_uppercase_commit_Should_store_it_lowercased()
    {
        await Client.CreateJobAsync("git-commit", Git());

        var run = await Client.TriggerAsync("git-commit", new TriggerRequest { CommitSha = Sha.ToUpperInvariant() });

        Assert.That(run.Str("commitSha"), Is.EqualTo(Sha));
        Assert.That(await Stack.Database.ScalarAsync<string>("SELECT commit_sha FROM runs WHERE id = @id", new { id = Guid.Parse(run.Str("id")) }),
            Is.EqualTo(Sha));
    }

    [Test]
    public async Task When_an_idempotency_key_is_replayed_with_the_same_body_Should_answer_200_with_the_same_run()
    {
        await Client.CreateJobAsync("idem-same", Freestyle().WithParameters(Parameter("TARGET", "dev")));
        var first = await Client.TriggerAsync("idem-same", WithParameters(("TARGET", "prod")), idempotencyKey: "deploy-1");

        var replay = await Client.PostRunAsync("idem-same", WithParameters(("TARGET", "prod")), idempotencyKey: "deploy-1");

        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await replay.ReadJsonAsync()).Str("id"), Is.EqualTo(first.Str("id")));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM runs WHERE job_name = 'idem-same'"), Is.EqualTo(1));
    }

    [Test]
    public async Task When_an_idempotency_key_is_reused_with_other_parameters_Should_answer_422_problem_naming_the_first_run()
    {
        await Client.CreateJobAsync("idem-other", Freestyle().WithParameters(Parameter("TARGET", "dev")));
        var first = await Client.TriggerAsync("idem-other", WithParameters(("TARGET", "prod")), idempotencyKey: "deploy-2");

        var reuse = await Client.PostRunAsync("idem-other", WithParameters(("TARGET", "staging")), idempotencyKey: "deploy-2");

        var problem = await reuse.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.That(problem.Detail(), Does.Contain(first.Str("id")));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM runs WHERE job_name = 'idem-other'"), Is.EqualTo(1));
    }

    [Test]
    public async Task When_ten_triggers_race_with_the_same_key_Should_create_exactly_one_run_and_replay_it_to_the_others()
    {
        await Client.CreateJobAsync("idem-race", Freestyle());

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Client.PostRunAsync("idem-race", idempotencyKey: "race-key")));

        var bodies = new List<string>();
        foreach (var response in responses) bodies.Add(await response.Content.ReadAsStringAsync());
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.That(statuses.Count(s => s == HttpStatusCode.Created), Is.EqualTo(1), string.Join("\n", bodies));
        Assert.That(statuses.Count(s => s == HttpStatusCode.OK), Is.EqualTo(9), string.Join("\n", bodies));
        var ids = bodies.Select(b => JsonDocument.Parse(b).RootElement.Str("id")).Distinct().ToList();
        Assert.That(ids, Has.Count.EqualTo(1));
        Assert.That(await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM runs WHERE job_name = 'idem-race'"), Is.EqualTo(1));
        Assert.That((await Client.TriggerAsync("idem-race")).GetProperty("number").GetInt32(), Is.EqualTo(2), "no run number was used up");
    }

    [Test]
    public async Task When_runs_are_filtered_by_status_and_job_Should_list_only_those()
    {
        await Client.CreateJobAsync("filtered", Freestyle());
        await Client.CreateJobAsync("filtered-other", Freestyle());
        var queued = new[] { await Client.TriggerAsync("filtered"), await Client.TriggerAsync("filtered") };
        var aborted = await Client.TriggerAsync("filtered");
        await Client.TriggerAsync("filtered-other");
        await Stack.Database.ExecuteAsync("UPDATE runs SET status = @status, finished_at = now() WHERE id = @id",
            new { id = Guid.Parse(aborted.Str("id")), status = RunStatus.Aborted.Name() });

        var page = await Client.GetJsonAsync("/runs?status=queued&job=filtered");

        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.That(items.Select(r => r.Str("id")), Is.EquivalentTo(queued.Select(r => r.Str("id"))));
        Assert.That(items.Select(r => r.Str("status")), Is.All.EqualTo("queued"));
        var abortedPage = await Client.GetJsonAsync("/runs?status=aborted&job=filtered");
        Assert.That(abortedPage.GetProperty("items").EnumerateArray().Select(r => r.Str("id")), Is.EqualTo(new[] { aborted.Str("id") }));
    }

    [Test]
    public async Task When_paging_runs_with_limit_2_Should_yield_each_run_once_newest_first()
    {
        await Client.CreateJobAsync("paged", Freestyle());
        var triggered = new List<string>();
        for (var i = 0; i < 5; i++) triggered.Add((await Client.TriggerAsync("paged")).Str("id"));

        var runs = new List<JsonElement>();
        var pageSizes = new List<int>();
        string? cursor = null;
        do
        {
            var page = await Client.GetJsonAsync($"/runs?job=paged&limit=2{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            var items = page.GetProperty("items").EnumerateArray().ToList();
            runs.AddRange(items);
            pageSizes.Add(items.Count);
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            Assert.That(pageSizes, Has.Count.LessThanOrEqualTo(5), "paging does not end");
        } while (cursor is not null);

        Assert.That(pageSizes, Is.EqualTo(new[] { 2, 2, 1 }));
        Assert.That(runs.Select(r => r.Str("id")), Is.EqualTo(Enumerable.Reverse(triggered)));
        Assert.That(runs.Select(r => r.GetProperty("number").GetInt32()), Is.EqualTo(new[] { 5, 4, 3, 2, 1 }));
        Assert.That(runs.Select(r => r.GetProperty("createdAt").GetDateTime()), Is.Ordered.Descending);
    }

    [Test]
    public async Task When_a_jobs_runs_are_listed_Should_list_them_newest_first()
    {
        await Client.CreateJobAsync("job-list", Freestyle());
        var first = await Client.TriggerAsync("job-list");
        var second = await Client.TriggerAsync("job-list");

        var page = await Client.GetJsonAsync("/jobs/job-list/runs");

        Assert.That(page.GetProperty("items").EnumerateArray().Select(r => r.Str("id")), Is.EqualTo(new[] { second.Str("id"), first.Str("id") }));
        Assert.That((await Client.GetJsonAsync("/jobs/job-list/runs/2")).Str("id"), Is.EqualTo(second.Str("id")));
    }

    [TestCase("/runs?status=sleeping", "status")]
    [TestCase("/runs?status=TimedOut", "status")]
    [TestCase("/runs?cursor=garbage", "cursor")]
    [TestCase("/runs?cursor=MTIzOm5vdC1hLWd1aWQ", "cursor")] // base64url of "123:not-a-guid"
    [TestCase("/runs?limit=0", "limit")]
    [TestCase("/runs?limit=1000", "limit")]
    public async Task When_a_run_list_query_is_invalid_Should_answer_400_problem_naming_the_parameter(string path, string parameter)
    {
        var problem = await (await Client.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Assert.That(problem.Errors(), Does.ContainKey(parameter));
    }

    [Test]
    public async Task When_runs_of_an_unknown_job_are_listed_Should_answer_404_problem()
    {
        await (await Client.GetAsync("/jobs/no-such-job/runs")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_a_run_id_is_unknown_Should_answer_404_problem_naming_it()
    {
        var id = Guid.NewGuid();

        var problem = await (await Client.GetAsync($"/runs/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        Assert.That(problem.Detail(), Does.Contain(id.ToString()));
    }

    [Test]
    public async Task When_a_run_number_is_unknown_Should_answer_404_problem()
    {
        await Client.CreateJobAsync("few-runs", Freestyle());

        var problem = await (await Client.GetAsync("/jobs/few-runs/runs/99")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        Assert.That(problem.Detail(), Does.Contain("#99"));
    }

    [Test]
    public async Task When_the_console_of_a_queued_run_is_asked_for_Should_answer_what_has_arrived_so_far_uncached()
    {
        await Client.CreateJobAsync("console-early", Freestyle());
        var run = await Client.TriggerAsync("console-early");

        var byId = await Client.GetAsync($"/runs/{run.Str("id")}/results/console");
        var byNumber = await Client.GetAsync("/jobs/console-early/runs/1/results/console");

        foreach (var response in new[] { byId, byNumber })
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
            Assert.That(response.Headers.CacheControl!.NoStore, Is.True, "a running run's log changes");
            Assert.That(await response.Content.ReadAsStringAsync(), Is.Empty, "nothing has run yet");
        }
    }

    [Test]
    public async Task When_the_console_of_an_unknown_run_is_asked_for_Should_answer_404_problem()
    {
        var response = await Client.GetAsync($"/runs/{Guid.NewGuid()}/results/console");
        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task When_the_idempotency_key_is_not_visible_ascii_Should_answer_400_problem()
    {
        await Client.CreateJobAsync("idem-bad-key", Freestyle());

        var response = await Client.PostRunAsync("idem-bad-key", idempotencyKey: new string('k', 201));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.Errors(), Does.ContainKey("Idempotency-Key"));
    }
}
