using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>run --follow and logs against a real Api and Runner: the console on stdout, the run's status as exit code.</summary>
[TestFixture]
public sealed class Follow_Specs
{
    private TestStack _stack = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _stack = await TestStack.CreateAsync();
        _client = _stack.Client();
        await _stack.StartRunnerAsync("cli-runner");
        (await _client.PutFreestyleJobAsync("hi", TestEnvironment.BusyboxImage, "echo hi")).EnsureSuccessStatusCode();
        (await _client.PutFreestyleJobAsync("three", TestEnvironment.BusyboxImage, "echo about to fail", "exit 3")).EnsureSuccessStatusCode();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _stack.DisposeAsync();
    }

    private Cli NewCli() => new(_stack.ApiUrl, TestStack.AdminToken);

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
}
