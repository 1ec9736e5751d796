using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using Narwhal.Testing.Github;
using NUnit.Framework;
using static Narwhal.EndToEnd.Tests.Pipelines.PipelineSteps;

namespace Narwhal.EndToEnd.Tests.Pipelines;

/// <summary>
/// Conditions judged when a repository's pipeline is planned: a push of a feature branch that changed only <c>src/</c>
/// runs the steps for <c>src/**</c>, leaves out the docs step and the deploy for <c>main</c> (and the step that needed the
/// deploy), and still runs an <c>always</c> step; a commit saying <c>[skip ci]</c> is not built when a push brings it,
/// visibly, but is when someone asks for it.
/// </summary>
[TestFixture]
public sealed class PipelineConditions_Specs : StackFixture
{
    private string _root = null!;
    private UpstreamRepository _repo = null!;
    private string _base = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-e2e-conditions-").FullName;
        _repo = UpstreamRepository.Create(_root, "conditions");
        _base = _repo.Commit("pipeline", ("src/app.txt", "v1"), ("docs/index.md", "v1"), (".narwhal.yml", $$"""
            image: {{TestEnvironment.BusyboxImage}}
            steps:
              build:
                script: [echo built]
              docs:
                needs: [build]
                when: { changes: ["docs/**"] }
                script: [echo docs]
              app-tests:
                needs: [build]
                when: { changes: ["src/**", "Makefile"] }
                script: [echo app tests]
              deploy:
                needs: [app-tests]
                when: { branch: [main, "release/*"], event: [push] }
                script: [echo deploying]
              smoke:
                needs: [deploy]
                script: [echo smoke]
              notify:
                needs: [deploy]
                when: { status: always }
                script: [echo "notified by $NARWHAL_STEP"]
            """));
        await Stack.StartRunnerAsync("conditions-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true" });
        (await Client.PutAsJsonAsync("/jobs/conditions", new { type = "git", git = new { url = _repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private static GithubTrigger Push(string branch, string? before) => new()
    {
        DeliveryId = Guid.NewGuid().ToString(),
        Event = "push",
        Repository = "acme/conditions",
        HeadRef = branch,
        BaseSha = before,
        Sender = "octocat",
    };

    private async Task<JsonElement> PushedAsync(string sha, string branch, string? before)
    {
        var run = await Stack.TriggerAsync("conditions", sha, Push(branch, before));
        return await Client.WaitForRunEndAsync(run.Id.ToString());
    }

    [Test]
    public async Task When_a_feature_branch_push_changes_only_src_Should_run_what_its_conditions_allow_and_say_why_the_rest_did_not()
    {
        var head = _repo.Commit("change the app", ("src/app.txt", "v2"));

        var run = await PushedAsync(head, "feature/x", _base);

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), run.ToString());
        var steps = ByKey(run);
        Assert.Multiple(() =>
        {
            Assert.That(steps.ToDictionary(s => s.Key, s => s.Value.Str("status")), Is.EqualTo(new Dictionary<string, string>
            {
                ["build"] = "succeeded", ["docs"] = "skipped", ["app-tests"] = "succeeded",
                ["deploy"] = "skipped", ["smoke"] = "skipped", ["notify"] = "succeeded",
            }));
            Assert.That(steps["docs"].Str("statusReason"), Does.Contain("when.changes").And.Contain("'docs/**'"));
            Assert.That(steps["deploy"].Str("statusReason"), Does.Contain("when.branch: 'feature/x' is not 'main' or 'release/*'"));
            Assert.That(steps["smoke"].Str("statusReason"), Does.Contain("Step 'deploy' it needs was left out by its condition"));
            Assert.That(steps["docs"].TryGetProperty("startedAt", out var started) && started.ValueKind != JsonValueKind.Null, Is.False, "never started");
        });
        Assert.That(await ConsoleAsync(Client, run.Str("id"), "notify"), Does.Contain("notified by notify"));
    }

    [Test]
    public async Task When_main_is_pushed_with_nothing_to_compare_Should_run_every_step_including_the_deploy()
    {
        var run = await PushedAsync(_base, "main", before: null);

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), run.ToString());
        Assert.That(ByKey(run).Values.Select(s => s.Str("status")), Is.All.EqualTo("succeeded"), "no base: changes cannot rule a step out");
    }

    [Test]
    public async Task When_a_pushed_commit_says_skip_ci_Should_end_skipped_saying_so_and_run_nothing()
    {
        var head = _repo.Commit("docs: fix a typo [skip ci]", ("docs/index.md", "v3"));

        var run = await PushedAsync(head, "main", _base);

        Assert.That(run.Str("status"), Is.EqualTo("skipped"), run.ToString());
        Assert.That(run.Str("statusReason"), Does.Contain("says [skip ci]"));
        Assert.That(run.GetProperty("pipeline").GetBoolean(), Is.False, "no plan recorded");
        Assert.That(await Client.GetStringAsync($"/runs/{run.Str("id")}/results/console"), Does.Contain("[skip ci]"));

        var asked = await Client.WaitForRunEndAsync((await Client.TriggerAsync("conditions", new { commitSha = head })).Str("id"));
        Assert.That(asked.Str("status"), Is.EqualTo("succeeded"), "a run asked for through the API is built whatever the message");
    }
}
