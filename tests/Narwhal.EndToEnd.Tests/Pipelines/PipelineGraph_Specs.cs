using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;
using static Narwhal.EndToEnd.Tests.Pipelines.PipelineSteps;

namespace Narwhal.EndToEnd.Tests.Pipelines;

/// <summary>
/// A repository's pipeline on three Runners: a diamond whose middle steps run in parallel, artifacts handed from
/// a step to the steps that need it (and not to one that opted out), and the fan-in after both.
/// </summary>
[TestFixture]
public sealed class PipelineGraph_Specs : StackFixture
{
    private string _root = null!;
    private string _runId = null!;
    private JsonElement _run;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-e2e-pipeline-").FullName;
        var repo = UpstreamRepository.Create(_root, "diamond");
        repo.Commit("pipeline", (".narwhal.yml", $$"""
            image: {{TestEnvironment.BusyboxImage}}
            env:
              GREETING: hello
            steps:
              build:
                script:
                  - mkdir -p dist && echo "built by $NARWHAL_STEP" > dist/app.txt
                  - echo "build-ran-once"
                results:
                  artifacts: ["dist/**"]
              test-a:
                needs: [build]
                script:
                  - cat dist/app.txt
                  - echo "$GREETING from $NARWHAL_STEP"
                  - sleep 3
              test-b:
                needs:
                  - step: build
                    artifacts: false
                env:
                  GREETING: hi
                script:
                  - test ! -e dist/app.txt && echo "no artifacts here"
                  - echo "$GREETING from $NARWHAL_STEP"
                  - sleep 3
              package:
                needs: [test-a, test-b]
                script:
                  - echo "packaged run $NARWHAL_RUN_ID"
            """));
        var fileRepos = new Dictionary<string, string?> { ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true" };
        await Task.WhenAll(
            Stack.StartRunnerAsync("pipeline-runner-1", fileRepos),
            Stack.StartRunnerAsync("pipeline-runner-2", fileRepos),
            Stack.StartRunnerAsync("pipeline-runner-3", fileRepos));
        (await Client.PutAsJsonAsync("/jobs/diamond", new { type = "git", git = new { url = repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
        _runId = (await Client.TriggerAsync("diamond")).Str("id");
        _run = await Client.WaitForRunEndAsync(_runId);
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Test]
    public void When_every_step_succeeds_Should_succeed_with_its_steps_in_file_order()
    {
        Assert.That(_run.Str("status"), Is.EqualTo("succeeded"), _run.ToString());
        Assert.That(_run.GetProperty("steps").EnumerateArray().Select(s => s.Str("key")), Is.EqualTo(new[] { "build", "test-a", "test-b", "package" }));
        Assert.That(_run.GetProperty("steps").EnumerateArray().Select(s => s.Str("status")), Is.All.EqualTo("succeeded"));
        Assert.That(_run.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("attempt").GetInt32()), Is.All.EqualTo(1));
    }

    [Test]
    public void When_two_steps_need_the_same_step_Should_start_both_after_it_and_run_them_at_the_same_time()
    {
        var steps = ByKey(_run);
        Assert.That(Started(steps["test-a"]), Is.GreaterThanOrEqualTo(Finished(steps["build"])));
        Assert.That(Started(steps["test-b"]), Is.GreaterThanOrEqualTo(Finished(steps["build"])));
        // Each sleeps 3 s on a Runner of its own: their running times overlap.
        Assert.That(Started(steps["test-a"]), Is.LessThan(Finished(steps["test-b"])));
        Assert.That(Started(steps["test-b"]), Is.LessThan(Finished(steps["test-a"])));
    }

    [Test]
    public void When_a_step_needs_two_steps_Should_start_only_after_both_ended()
    {
        var steps = ByKey(_run);
        Assert.That(Started(steps["package"]), Is.GreaterThanOrEqualTo(Finished(steps["test-a"])));
        Assert.That(Started(steps["package"]), Is.GreaterThanOrEqualTo(Finished(steps["test-b"])));
    }

    [Test]
    public async Task When_a_step_needs_one_with_artifacts_Should_find_them_at_their_paths()
    {
        var log = await ConsoleAsync(Client, _runId, "test-a");
        Assert.That(log, Does.Contain("built by build"));
        Assert.That(log, Does.Contain("hello from test-a"));
    }

    [Test]
    public async Task When_a_need_opts_out_of_artifacts_Should_place_none_and_merge_the_steps_env_over_the_defaults()
    {
        var log = await ConsoleAsync(Client, _runId, "test-b");
        Assert.That(log, Does.Contain("no artifacts here"));
        Assert.That(log, Does.Contain("hi from test-b"));
    }

    [Test]
    public async Task When_steps_read_their_variables_Should_see_the_pipelines_run_id_and_each_step_ran_once()
    {
        Assert.That(await ConsoleAsync(Client, _runId, "package"), Does.Contain($"packaged run {_runId}"));
        var build = await ConsoleAsync(Client, _runId, "build");
        Assert.That(build.Split("build-ran-once").Length - 1, Is.EqualTo(1));
        var rows = await Stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM runs WHERE parent_run_id = @id", new { id = Guid.Parse(_runId) });
        Assert.That(rows, Is.EqualTo(4), "one row per step, none retried");
    }
}
