using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;
using static Narwhal.EndToEnd.Tests.Pipelines.PipelineSteps;

namespace Narwhal.EndToEnd.Tests.Pipelines;

/// <summary>
/// A repository's matrix step on two Runners: one step per combination left after <c>exclude</c>, each named by
/// its values and given them as variables, each addressable through the API (a '/' in a value included), and the
/// step that needs the matrix step started only once every instance ended.
/// </summary>
[TestFixture]
public sealed class PipelineMatrix_Specs : StackFixture
{
    private static readonly string[] Instances =
    [
        "test (NODE=18, PLATFORM=linux/amd64)", "test (NODE=20, PLATFORM=linux/amd64)", "test (NODE=20, PLATFORM=linux/arm64)",
    ];

    private string _root = null!;
    private string _runId = null!;
    private JsonElement _run;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-e2e-matrix-").FullName;
        var repo = UpstreamRepository.Create(_root, "matrix");
        repo.Commit("matrix pipeline", (".narwhal.yml", $$"""
            image: {{TestEnvironment.BusyboxImage}}
            steps:
              build:
                script: [echo built]
              test:
                needs: [build]
                matrix:
                  axes:
                    NODE: ["18", "20"]
                    PLATFORM: [linux/amd64, linux/arm64]
                  exclude:
                    - { NODE: "18", PLATFORM: linux/arm64 }
                script:
                  - echo "testing node $NODE on $PLATFORM as $NARWHAL_STEP"
              report:
                needs: [test]
                script: [echo reported]
            """));
        var fileRepos = new Dictionary<string, string?> { ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true" };
        await Task.WhenAll(Stack.StartRunnerAsync("matrix-runner-1", fileRepos), Stack.StartRunnerAsync("matrix-runner-2", fileRepos));
        (await Client.PutAsJsonAsync("/jobs/matrix", new { type = "git", git = new { url = repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
        _runId = (await Client.TriggerAsync("matrix")).Str("id");
        _run = await Client.WaitForRunEndAsync(_runId);
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Test]
    public void When_the_matrix_expands_Should_run_one_step_per_combination_left_in_order_and_succeed()
    {
        Assert.That(_run.Str("status"), Is.EqualTo("succeeded"), _run.ToString());
        Assert.That(_run.GetProperty("steps").EnumerateArray().Select(s => s.Str("key")), Is.EqualTo((string[])["build", .. Instances, "report"]));
        Assert.That(_run.GetProperty("steps").EnumerateArray().Select(s => s.Str("status")), Is.All.EqualTo("succeeded"));
    }

    [Test]
    public async Task When_an_instance_runs_Should_see_its_own_values_as_variables()
    {
        foreach (var key in Instances)
        {
            var values = ByKey(_run)[key].GetProperty("matrix").GetProperty("values");
            var console = await ConsoleAsync(Client, _runId, key);
            Assert.That(console, Does.Contain($"testing node {values.Str("NODE")} on {values.Str("PLATFORM")} as {key}"), key);
        }
    }

    [Test]
    public async Task When_an_instance_is_asked_for_by_its_key_Should_answer_it_with_the_step_as_written()
    {
        var step = await Client.GetFromJsonAsync<JsonElement>($"/runs/{_runId}/steps/{Uri.EscapeDataString(Instances[2])}", Json.Options);

        Assert.That(step.Str("key"), Is.EqualTo(Instances[2]));
        Assert.That(step.GetProperty("matrix").Str("of"), Is.EqualTo("test"));
        Assert.That(step.GetProperty("matrix").GetProperty("values").Str("PLATFORM"), Is.EqualTo("linux/arm64"));
        Assert.That(step.GetProperty("needs").EnumerateArray().Select(n => n.GetString()), Is.EqualTo(new[] { "build" }));
    }

    [Test]
    public void When_a_step_needs_the_matrix_step_Should_start_after_every_instance_ended()
    {
        var steps = ByKey(_run);
        var lastInstance = Instances.Max(key => Finished(steps[key]));
        Assert.That(Started(steps["report"]), Is.GreaterThanOrEqualTo(lastInstance));
        Assert.That(steps["report"].GetProperty("needs").EnumerateArray().Select(n => n.GetString()), Is.EqualTo(Instances));
    }
}
