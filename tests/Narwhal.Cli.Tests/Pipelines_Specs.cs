using System.Text.Json;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>
/// The CLI and pipelines, against a real Api and Runner: freestyle jobs with steps (no git repository needed).
/// runs show lists the steps; --follow reports each step's state and a failing step's log, and exits with the run's
/// status; --step follows one step; logs and results work per step; runs retry and retry-failed start steps again.
/// </summary>
[TestFixture]
public sealed class Pipelines_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        await Stack.StartRunnerAsync("cli-pipeline-runner");
        await PutPipelineAsync("pipe-ok", ("build", Step(["echo building"])), ("test", Step(["echo testing"], "build")));
        await PutPipelineAsync("pipe-fail",
            ("build", Step(["echo built"])),
            ("test", Step(["for i in $(seq 1 60); do echo \"test line $i\"; done", "exit 7"], "build")),
            ("deploy", Step(["echo deploying"], "test")),
            ("notify", Step(["echo notifying"], "test") + """, "when": "failure" """));
        await PutPipelineAsync("pipe-slow", ("slow", Step(["echo started", "sleep 60"])));
        (await Client.PutFreestyleJobAsync("plain-hi", TestEnvironment.BusyboxImage, "echo hi")).EnsureSuccessStatusCode();
    }

    /// <summary>A step's JSON body (without its braces): its script and the steps it needs.</summary>
    private static string Step(string[] script, params string[] needs) =>
        $"\"script\": {JsonSerializer.Serialize(script)}, \"needs\": {JsonSerializer.Serialize(needs)}";

    /// <summary>PUT /jobs/NAME: a freestyle job whose steps are given in order.</summary>
    private async Task PutPipelineAsync(string name, params (string Key, string Body)[] steps)
    {
        var body = $$"""
            { "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["true"],
              "steps": { {{string.Join(", ", steps.Select(s => $"\"{s.Key}\": {{ {s.Body} }}"))}} } }
            """;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var answer = await Client.PutAsync($"/jobs/{name}", content);
        Assert.That(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    private Cli NewCli() => new(Stack.ApiUrl, TestStack.AdminToken);

    /// <summary>Triggers a run through the Api and waits for its end: its JOB/NUMBER.</summary>
    private async Task<string> EndedRunAsync(string job, string expectedStatus)
    {
        var run = await Client.TriggerAsync(job);
        var ended = await Client.WaitForRunEndAsync(run.Str("id"));
        Assert.That(ended.Str("status"), Is.EqualTo(expectedStatus), ended.ToString());
        return $"{job}/{ended.GetProperty("number").GetInt32()}";
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Test]
    public async Task Runs_show_of_a_pipeline_Should_list_its_steps_and_json_Should_be_the_APIs_answer()
    {
        var run = await EndedRunAsync("pipe-fail", "failed");
        using var cli = NewCli();

        var shown = await cli.RunAsync("runs", "show", run);

        Assert.That(shown.ExitCode, Is.EqualTo(0), shown.ToString());
        var lines = Lines(shown.Stdout);
        Assert.That(lines.Single(l => l.StartsWith("STEP", StringComparison.Ordinal)),
            Does.Match(@"^STEP\s+STATUS\s+ATTEMPT\s+DURATION\s+RUNNER\s+EXIT\s+NEEDS\s+NOTE$"));
        Assert.That(lines.Single(l => l.StartsWith("build ", StringComparison.Ordinal)), Does.Match(@"^build\s+succeeded\s+1\s+\d+\.\ds\s+cli-pipeline-runner\s+0$"));
        Assert.That(lines.Single(l => l.StartsWith("test ", StringComparison.Ordinal)), Does.Match(@"^test\s+failed\s+1\s+\S+\s+cli-pipeline-runner\s+7\s+build"));
        Assert.That(lines.Single(l => l.StartsWith("deploy ", StringComparison.Ordinal)),
            Does.Match(@"^deploy\s+skipped\s+1\s+test\s+Step 'test' it needs did not succeed\.$"));
        Assert.That(lines.Single(l => l.StartsWith("notify ", StringComparison.Ordinal)), Does.Contain("succeeded").And.Contain("when: failure"));
        Assert.That(shown.Stdout, Does.Match(@"Reason:\s+Step 'test' failed"));

        var json = await cli.RunAsync("runs", "show", run, "-o", "json");
        var id = json.Json.Str("id");
        Assert.That(JsonSerializer.Serialize(json.Json), Is.EqualTo(JsonSerializer.Serialize(await Client.GetJsonAsync($"/runs/{id}"))), "the API's JSON as it answered");
        Assert.That(json.Json.GetProperty("steps").GetArrayLength(), Is.EqualTo(4));
    }

    [Test]
    public async Task Follow_of_a_failing_pipeline_Should_print_each_steps_end_and_the_tail_of_the_failed_log_and_exit_1()
    {
        using var cli = NewCli();

        var result = await cli.RunAsync("run", "pipe-fail", "--follow");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.RunFailed), result.ToString());
        var label = System.Text.RegularExpressions.Regex.Match(result.Stderr, @"Run (pipe-fail/\d+)").Groups[1].Value;
        var output = result.Stdout;
        Assert.That(output, Does.Match(@"\[build\] succeeded in \d+\.\ds"));
        Assert.That(output, Does.Match(@"\[test\] failed \(exit code 7\) after \d+\.\ds"));
        Assert.That(output, Does.Contain($"[test] … 20 earlier lines (all of it: narwhal logs {label} --step test)\n"));
        Assert.That(output, Does.Contain("[test] test line 21\n").And.Contain("[test] test line 60\n"), "the last 40 lines, behind the step's key");
        Assert.That(output, Does.Not.Contain("[test] test line 20\n"));
        Assert.That(output, Does.Contain("[deploy] skipped: Step 'test' it needs did not succeed.\n"));
        Assert.That(output, Does.Match(@"\[notify\] succeeded"), "a when: failure step runs");
        Assert.That(output, Does.Not.Contain("[build] built"), "a step that succeeded shows no log");
        Assert.That(output.IndexOf("[build] succeeded", StringComparison.Ordinal), Is.LessThan(output.IndexOf("[test] failed", StringComparison.Ordinal)));
        Assert.That(result.Stderr, Does.Contain($"Run {label} is a pipeline of 4 steps: build, test, deploy, notify."));
        Assert.That(result.Stderr, Does.Contain("Run failed (exit code 7): Step 'test' failed").And.Contain($"narwhal runs retry-failed {label} --follow"));
    }

    [Test]
    public async Task Follow_of_a_pipeline_in_json_Should_print_the_run_then_each_step_as_it_changes_then_the_run()
    {
        using var cli = NewCli();

        var result = await cli.RunAsync("run", "pipe-ok", "--follow", "-o", "json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = Lines(result.Stdout).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.That(lines[0].Str("job"), Is.EqualTo("pipe-ok"), "the run as triggered");
        var steps = lines.Skip(1).SkipLast(1).ToList();
        Assert.That(steps, Has.All.Matches<JsonElement>(s => s.TryGetProperty("key", out _)));
        Assert.That(steps.Where(s => s.Str("status") == "succeeded").Select(s => s.Str("key")), Is.EqualTo(new[] { "build", "test" }));
        Assert.That(lines[^1].Str("status"), Is.EqualTo("succeeded"));
        Assert.That(lines[^1].GetProperty("pipeline").GetBoolean(), Is.True);
    }

    [Test]
    public async Task Follow_of_one_step_Should_stream_its_console_and_exit_with_its_status()
    {
        using var cli = NewCli();

        var ok = await cli.RunAsync("run", "pipe-ok", "--follow", "--step", "test");

        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.ToString());
        Assert.That(ok.Stdout, Does.Contain("testing\n").And.Not.Contain("building").And.Not.Contain("[test]"), "the step's console as it is");
        Assert.That(ok.Stderr, Does.Contain("Step 'test' succeeded"));

        var failed = await EndedRunAsync("pipe-fail", "failed");
        var test = await cli.RunAsync("logs", failed, "--follow", "--step", "test");
        Assert.That(test.ExitCode, Is.EqualTo(ExitCodes.RunFailed), test.ToString());
        Assert.That(test.Stdout, Does.Contain("test line 1\n").And.Contain("test line 60\n"));
        var deploy = await cli.RunAsync("logs", failed, "--follow", "--step", "deploy");
        Assert.That(deploy.ExitCode, Is.EqualTo(ExitCodes.StepSkipped), deploy.ToString());

        var unknown = await cli.RunAsync("run", "pipe-ok", "--follow", "--step", "nope");
        Assert.That(unknown.ExitCode, Is.EqualTo(ExitCodes.NotFound), unknown.ToString());
        Assert.That(unknown.Stderr, Does.Match(@"run pipe-ok/\d+ has no step 'nope' \(its steps: build, test\)"));

        var withoutFollow = await cli.RunAsync("run", "pipe-ok", "--step", "test");
        Assert.That(withoutFollow.ExitCode, Is.EqualTo(ExitCodes.Usage), withoutFollow.ToString());
    }

    [Test]
    public async Task Logs_of_a_pipeline_Should_print_every_steps_log_behind_its_key_or_one_step_as_it_is()
    {
        var run = await EndedRunAsync("pipe-fail", "failed");
        using var cli = NewCli();

        var all = await cli.RunAsync("logs", run);
        Assert.That(all.ExitCode, Is.EqualTo(0), all.ToString());
        Assert.That(all.Stdout, Does.Contain("[build] built\n").And.Contain("[test] test line 1\n").And.Contain("[notify] notifying\n"));
        Assert.That(all.Stdout, Does.Not.Contain("[deploy]"), "a skipped step has no log");
        Assert.That(all.Stdout.IndexOf("[build]", StringComparison.Ordinal), Is.LessThan(all.Stdout.IndexOf("[test]", StringComparison.Ordinal)), "in the pipeline's order");

        var one = await cli.RunAsync("logs", run, "--step", "build");
        Assert.That(one.ExitCode, Is.EqualTo(0), one.ToString());
        Assert.That(one.Stdout, Does.Contain("built\n").And.Not.Contain("[build]").And.Not.Contain("test line"));

        var json = await cli.RunAsync("logs", run, "-o", "json");
        Assert.That(json.Json.GetProperty("steps").EnumerateArray().Select(s => s.Str("key")), Is.EqualTo(new[] { "build", "test", "notify" }));

        var attemptAlone = await cli.RunAsync("logs", run, "--attempt", "1");
        Assert.That(attemptAlone.ExitCode, Is.EqualTo(ExitCodes.Usage), attemptAlone.ToString());
    }

    [Test]
    public async Task Retry_of_a_step_Should_start_it_and_the_steps_after_it_again_and_retry_failed_Should_follow_them()
    {
        var run = await EndedRunAsync("pipe-fail", "failed");
        using var cli = NewCli();

        var retried = await cli.RunAsync("runs", "retry", run, "test");

        Assert.That(retried.ExitCode, Is.EqualTo(0), retried.ToString());
        Assert.That(retried.Stdout, Does.Contain($"Retrying run {run}: test (attempt 2), deploy (attempt 2)."));
        var id = (await cli.RunAsync("runs", "show", run, "-o", "json")).Json.Str("id");
        await Client.WaitForRunEndAsync(id);

        var followed = await cli.RunAsync("runs", "retry-failed", run, "--follow");

        Assert.That(followed.ExitCode, Is.EqualTo(ExitCodes.RunFailed), followed.ToString());
        Assert.That(followed.Stderr, Does.Contain($"Retrying run {run}: test (attempt 3), deploy (attempt 3)"));
        Assert.That(followed.Stdout, Does.Match(@"\[build\] succeeded in"), "the state of every step, first");
        Assert.That(followed.Stdout, Does.Match(@"\[test #3\] failed \(exit code 7\)"));
        Assert.That(followed.Stdout, Does.Contain("[test #3] test line 60\n"));
        Assert.That(followed.Stdout, Does.Contain("[deploy #3] skipped: Step 'test' it needs did not succeed."));
        Assert.That(followed.Stdout, Does.Contain($"narwhal logs {run} --step test --attempt 3"));

        var earlier = await cli.RunAsync("logs", run, "--step", "test", "--attempt", "1");
        Assert.That(earlier.ExitCode, Is.EqualTo(0), earlier.ToString());
        Assert.That(earlier.Stdout, Does.Contain("test line 60\n"));
    }

    [Test]
    public async Task Retries_the_API_refuses_Should_exit_with_its_reason()
    {
        var succeeded = await EndedRunAsync("pipe-ok", "succeeded");
        var plain = await EndedRunAsync("plain-hi", "succeeded");
        using var cli = NewCli();

        var nothing = await cli.RunAsync("runs", "retry-failed", succeeded);
        Assert.That(nothing.ExitCode, Is.EqualTo(ExitCodes.Api), nothing.ToString());
        Assert.That(nothing.Stderr, Does.Contain("409").And.Contain("nothing to retry"));

        var unknown = await cli.RunAsync("runs", "retry", succeeded, "nope");
        Assert.That(unknown.ExitCode, Is.EqualTo(ExitCodes.NotFound), unknown.ToString());
        Assert.That(unknown.Stderr, Does.Contain("404").And.Contain("no step 'nope'").And.Contain("'build', 'test'"));

        var noSteps = await cli.RunAsync("runs", "retry", plain, "main");
        Assert.That(noSteps.ExitCode, Is.EqualTo(ExitCodes.Api), noSteps.ToString());
        Assert.That(noSteps.Stderr, Does.Contain("409").And.Contain($"narwhal runs rerun {plain}"));

        var missing = await cli.RunAsync("runs", "retry", succeeded);
        Assert.That(missing.ExitCode, Is.EqualTo(ExitCodes.Usage), missing.ToString());
    }

    [Test]
    public async Task Ctrl_C_on_a_terminal_answered_yes_Should_abort_the_pipeline_and_exit_4()
    {
        using var cli = NewCli();
        var stdout = new SyncWriter();
        var interrupts = new Interrupts();
        var run = cli.RunInteractiveAsync(new StringReader("y\n"), new Terminal(Stdin: true, Stdout: false, Stderr: false), interrupts,
            ["run", "pipe-slow", "--follow"], stdout);
        await Eventually.UntilAsync(() => Task.FromResult(stdout.ToString().Contains("[slow] running on")), "the step runs", TimeSpan.FromSeconds(60));

        interrupts.Raise();
        var result = await run;

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.RunAborted), result.ToString());
        Assert.That(result.Stderr, Does.Match(@"Abort run pipe-slow/\d+\? \[y/N\]").And.Contain("Abort requested").And.Contain("Run aborted"));
        Assert.That(result.Stdout, Does.Contain("[slow] aborted"));
    }

    [Test]
    public async Task Results_of_a_pipeline_Should_be_per_step_and_download_Should_put_each_steps_files_in_its_directory()
    {
        var run = await EndedRunAsync("pipe-fail", "failed");
        using var cli = NewCli();

        var step = await cli.RunAsync("results", run, "--step", "test");
        Assert.That(step.ExitCode, Is.EqualTo(ExitCodes.NotFound), step.ToString());
        Assert.That(step.Stdout, Does.Contain("Step 'test' has no JUnit summary").And.Match(@"Console:\s+\d+ B"));
        var whole = await cli.RunAsync("results", run);
        Assert.That(whole.ExitCode, Is.EqualTo(ExitCodes.NotFound), whole.ToString());
        Assert.That(whole.Stdout, Does.Contain("No step of the pipeline has a JUnit summary. Its steps: build, test, deploy, notify"));

        var dir = Directory.CreateTempSubdirectory("narwhal-cli-pipeline-").FullName;
        try
        {
            var all = await cli.RunAsync("results", "download", run, "-o", Path.Combine(dir, "all"));
            Assert.That(all.ExitCode, Is.EqualTo(0), all.ToString());
            Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "all", "build", "console.log")), Is.EqualTo("built\n"));
            Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "all", "test", "console.log")), Does.Contain("test line 60"));
            Assert.That(all.Stderr, Does.Contain($"(step 'deploy' of run {run} has no console log: skipped console)"));

            var one = await cli.RunAsync("results", "download", run, "--step", "test", "--kind", "console", "--output-dir", Path.Combine(dir, "one"));
            Assert.That(one.ExitCode, Is.EqualTo(0), one.ToString());
            Assert.That(Directory.GetFiles(Path.Combine(dir, "one"), "*", SearchOption.AllDirectories).Select(Path.GetFileName), Is.EqualTo(new[] { "console.log" }));

            var none = await cli.RunAsync("results", "download", run, "--kind", "junit", "--output-dir", Path.Combine(dir, "none"));
            Assert.That(none.ExitCode, Is.EqualTo(ExitCodes.NotFound), none.ToString());
            Assert.That(none.Stderr, Does.Contain($"every step of run {run} has no JUnit reports"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task A_run_without_steps_Should_follow_and_show_as_before()
    {
        using var cli = NewCli();

        var followed = await cli.RunAsync("run", "plain-hi", "--follow");

        Assert.That(followed.ExitCode, Is.EqualTo(0), followed.ToString());
        Assert.That(followed.Stdout, Is.EqualTo("hi\n"), "its console, nothing else");
        Assert.That(followed.Stderr, Does.Match(@"^Run plain-hi/\d+ \([0-9a-f-]+\) queued; following its console…\n").And.Match(@"Run succeeded[^\n]*\n$"));
        var label = System.Text.RegularExpressions.Regex.Match(followed.Stderr, @"Run (plain-hi/\d+)").Groups[1].Value;
        var shown = await cli.RunAsync("runs", "show", label);
        Assert.That(shown.Stdout, Does.Not.Contain("STEP"), "no steps table for a run without steps");
        var logs = await cli.RunAsync("logs", label);
        Assert.That(logs.Stdout, Is.EqualTo("hi\n"));
    }

    [Test]
    public async Task Completion_Should_offer_the_steps_of_the_run_on_the_command_line()
    {
        var run = await EndedRunAsync("pipe-ok", "succeeded");
        using var cli = NewCli();
        async Task<string[]> Complete(params string[] words) => Lines((await cli.RunAsync(["__complete", "--", .. words])).Stdout);

        Assert.That(await Complete("runs", "retry", run, ""), Is.EqualTo(new[] { "build", "test" }));
        Assert.That(await Complete("logs", run, "--step", "t"), Is.EqualTo(new[] { "test" }));
        Assert.That(await Complete("runs", "retry", "no-such-job/1", ""), Is.Empty, "silent when the server has no such run");
    }
}
