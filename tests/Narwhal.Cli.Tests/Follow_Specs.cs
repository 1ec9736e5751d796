using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>run --follow and logs against a real Api and Runner: the console on stdout, the run's status as exit code.</summary>
[TestFixture]
public sealed class Follow_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        await Stack.StartRunnerAsync("cli-runner");
        (await Client.PutFreestyleJobAsync("hi", TestEnvironment.BusyboxImage, "echo hi")).EnsureSuccessStatusCode();
        (await Client.PutFreestyleJobAsync("three", TestEnvironment.BusyboxImage, "echo about to fail", "exit 3")).EnsureSuccessStatusCode();
        (await Client.PutFreestyleJobAsync("slow", TestEnvironment.BusyboxImage, "echo started", "sleep 60")).EnsureSuccessStatusCode();
        // No Runner serves "large": its runs stay queued.
        var unserved = $$"""{ "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["true"], "resourceClass": "large" }""";
        (await Client.PutAsync("/jobs/unserved", new StringContent(unserved, System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
    }

    private Cli NewCli() => new(Stack.ApiUrl, TestStack.AdminToken);

    [Test]
    public async Task Run_follow_of_a_succeeding_job_Should_print_its_output_and_exit_0()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("run", "hi", "--follow");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Stdout, Does.Contain("hi\n"));
        Assert.That(result.Stderr, Does.Contain("Run succeeded"));

        // The same run afterwards: logs prints the stored console, logs --follow ends at once with the status.
        var runs = await cli.RunAsync("runs", "list", "--job", "hi", "-o", "json");
        var id = runs.Json.GetProperty("items")[0].Str("id");
        var logs = await cli.RunAsync("logs", id);
        Assert.That(logs.ExitCode, Is.EqualTo(0), logs.ToString());
        Assert.That(logs.Stdout, Does.Contain("hi\n"));
        var followed = await cli.RunAsync("logs", "hi/1", "--follow");
        Assert.That(followed.ExitCode, Is.EqualTo(0), followed.ToString());
        Assert.That(followed.Stdout, Does.Contain("hi\n"));
    }

    [Test]
    public async Task Run_follow_of_a_failing_job_Should_print_its_output_and_exit_1()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("run", "three", "--follow");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.RunFailed), result.ToString());
        Assert.That(result.Stdout, Does.Contain("about to fail"));
        Assert.That(result.Stderr, Does.Contain("Run failed (exit code 3)"));
    }

    [Test]
    public async Task Run_follow_in_json_Should_print_one_json_object_per_line_ending_with_the_end_event()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("run", "hi", "--follow", "-o", "json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.That(lines[0].Str("job"), Is.EqualTo("hi"));
        Assert.That(lines[^1].Str("status"), Is.EqualTo("succeeded"));
        Assert.That(string.Concat(lines.Where(l => l.TryGetProperty("text", out _)).Select(l => l.Str("text"))), Does.Contain("hi\n"));
    }

    /// <summary>Starts `narwhal run JOB --follow` in the background with the given terminal and stdin.</summary>
    private (Task<Result> Run, SyncWriter Stdout, SyncWriter Stderr, Interrupts Interrupts) StartFollow(Cli cli, string job, Terminal terminal, string stdin)
    {
        var stdout = new SyncWriter();
        var stderr = new SyncWriter();
        var interrupts = new Interrupts();
        var run = cli.RunInteractiveAsync(new StringReader(stdin), terminal, interrupts, ["run", job, "--follow"], stdout, stderr);
        return (run, stdout, stderr, interrupts);
    }

    [Test]
    public async Task Ctrl_C_on_a_terminal_answered_yes_Should_abort_the_run_and_exit_4()
    {
        using var cli = NewCli();
        var (run, stdout, stderr, interrupts) = StartFollow(cli, "slow", new Terminal(Stdin: true, Stdout: false, Stderr: false), "y\n");
        await Eventually.UntilAsync(() => Task.FromResult(stdout.ToString().Contains("started\n")), "the run's output appears", TimeSpan.FromSeconds(60));

        interrupts.Raise();
        var result = await run;
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.RunAborted), result.ToString());
        Assert.That(result.Stderr, Does.Match(@"Abort run slow/\d+\? \[y/N\]").And.Contain("Abort requested").And.Contain("Run aborted"));
    }

    [Test]
    public async Task Ctrl_C_answered_no_Should_keep_following_and_a_second_Ctrl_C_Should_leave_the_run_running()
    {
        using var cli = NewCli();
        var (run, stdout, stderr, interrupts) = StartFollow(cli, "slow", new Terminal(Stdin: true, Stdout: false, Stderr: false), "n\n");
        await Eventually.UntilAsync(() => Task.FromResult(stdout.ToString().Contains("started\n")), "the run's output appears", TimeSpan.FromSeconds(60));
        interrupts.Raise();
        await Eventually.UntilAsync(() => Task.FromResult(stderr.ToString().Contains("Still following")), "the answer no is taken", TimeSpan.FromSeconds(10));
        Assert.That(run.IsCompleted, Is.False, "still following");

        interrupts.Raise(); // the offer is back after "no": asks again; stdin is at its end → no
        await Eventually.UntilAsync(() => Task.FromResult(System.Text.RegularExpressions.Regex.Count(stderr.ToString(), "Abort run") == 2), "asked a second time", TimeSpan.FromSeconds(10));
        var runs = await Client.GetJsonAsync("/runs?job=slow&status=running");
        var id = runs.GetProperty("items")[0].Str("id");
        Assert.That((await Client.PostAsync($"/runs/{id}/abort", null)).IsSuccessStatusCode);
        var result = await run;
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.RunAborted), "the abort from elsewhere ends the follow with the run's status");
    }

    [Test]
    public async Task While_queued_Should_say_it_is_waiting_and_Ctrl_C_without_a_terminal_Should_stop_following_but_leave_the_run()
    {
        using var cli = NewCli();
        var (run, _, stderr, interrupts) = StartFollow(cli, "unserved", Terminal.None, "");
        await Eventually.UntilAsync(() => Task.FromResult(stderr.ToString().Contains("Waiting for a Runner to take the run (queued)")), "the waiting line appears", TimeSpan.FromSeconds(20));

        interrupts.Raise();
        var result = await run;
        Assert.That(result.ExitCode, Is.EqualTo(130), result.ToString());
        Assert.That(result.Stderr, Does.Contain("stopped following; run unserved/").And.Contain("narwhal runs abort "));
        var queued = await Client.GetJsonAsync("/runs?job=unserved&status=queued");
        Assert.That(queued.GetProperty("items").GetArrayLength(), Is.EqualTo(1), "the run was left alone");
        await Client.PostAsync($"/runs/{queued.GetProperty("items")[0].Str("id")}/abort", null);
    }
}
