using System.Text.Json;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>The CLI against a real Api (no Runner): listing, auth failures, contexts, triggering, aborting.</summary>
[TestFixture]
public sealed class Api_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        var alpha = $$"""{ "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["echo $WHO"], "parameters": [{ "name": "WHO", "default": "world" }] }""";
        (await Client.PutAsync("/jobs/alpha", new StringContent(alpha, System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await Client.PutFreestyleJobAsync("beta-longer-name", TestEnvironment.BusyboxImage, "echo beta")).EnsureSuccessStatusCode();
    }

    private Cli NewCli() => new(Stack.ApiUrl, TestStack.AdminToken);

    [Test]
    public async Task Jobs_list_in_json_Should_print_the_APIs_page()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("jobs", "list", "--output", "json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var names = result.Json.GetProperty("items").EnumerateArray().Select(j => j.Str("name")).ToList();
        Assert.That(names, Is.SupersetOf(new[] { "alpha", "beta-longer-name" }));
        Assert.That(result.Json.GetProperty("items")[0].Str("type"), Is.EqualTo("freestyle"), "snake_case enums as the API sends them");
    }

    [Test]
    public async Task Jobs_list_as_a_table_Should_align_columns_without_colour()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("jobs", "list");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.StartWith("NAME"));
        var typeColumn = lines[0].IndexOf("TYPE", StringComparison.Ordinal);
        // Every row's type (freestyle, or git for jobs other tests of this fixture add) starts under TYPE.
        Assert.That(lines.Skip(1).Select(l => System.Text.RegularExpressions.Regex.Match(l, @"  (freestyle|git) ").Index + 2), Is.All.EqualTo(typeColumn));
        Assert.That(result.Stdout, Does.Not.Contain("\u001b["), "no colour when stdout is not a terminal");
    }

    [Test]
    public async Task Jobs_get_of_a_missing_job_Should_exit_13_with_the_detail()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("jobs", "get", "nope");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.NotFound), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("narwhal: 404 ").And.Contain("nope"));
    }

    [Test]
    public async Task With_a_wrong_token_Should_exit_12_and_show_the_APIs_detail()
    {
        using var cli = new Cli(Stack.ApiUrl, "wrong-token-000000000000");
        var result = await cli.RunAsync("jobs", "list");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Auth), result.ToString());

        using var http = Stack.Client("wrong-token-000000000000");
        var answer = await http.GetAsync("/jobs");
        var detail = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.Str("detail");
        Assert.That(result.Stderr.TrimEnd(), Is.EqualTo($"narwhal: 401 {detail}"));
    }

    [Test]
    public async Task Login_Should_read_the_token_from_stdin_save_a_context_and_use_it()
    {
        using var cli = new Cli();
        var login = await cli.RunWithStdinAsync(TestStack.AdminToken + "\n", "login", "--url", Stack.ApiUrl.ToString(), "--name", "local");
        Assert.That(login.ExitCode, Is.EqualTo(0), login.ToString());
        var configPath = Path.Combine(cli.ConfigHome, "narwhal", "config.json");
        Assert.That(File.Exists(configPath));
        if (!OperatingSystem.IsWindows())
            Assert.That(File.GetUnixFileMode(configPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));

        var jobs = await cli.RunAsync("jobs", "list", "-o", "json");
        Assert.That(jobs.ExitCode, Is.EqualTo(0), jobs.ToString());

        var contexts = await cli.RunAsync("context", "list");
        Assert.That(contexts.Stdout, Does.Match(@"\*\s+local\s+http://127\.0\.0\.1"));
        Assert.That(contexts.Stdout, Does.Not.Contain(TestStack.AdminToken), "the token is never printed");

        var bad = await cli.RunWithStdinAsync("wrong-token-000000000000\n", "login", "--url", Stack.ApiUrl.ToString(), "--name", "bad");
        Assert.That(bad.ExitCode, Is.EqualTo(ExitCodes.Auth), "a token the server refuses is not saved");
        var after = await cli.RunAsync("context", "use", "bad");
        Assert.That(after.ExitCode, Is.EqualTo(ExitCodes.Config));
    }

    [Test]
    public async Task Run_without_follow_then_show_list_and_abort_Should_work_by_id_and_by_number()
    {
        using var cli = NewCli();
        var run = await cli.RunAsync("run", "alpha", "--param", "WHO=cli", "-o", "json");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var id = run.Json.Str("id");
        var number = run.Json.GetProperty("number").GetInt32();
        Assert.That(run.Json.GetProperty("parameters").Str("WHO"), Is.EqualTo("cli"));
        Assert.That(run.Json.GetProperty("trigger").Str("kind"), Is.EqualTo("cli"), "runs the CLI triggers say so in their history");

        var show = await cli.RunAsync("runs", "show", $"alpha/{number}");
        Assert.That(show.ExitCode, Is.EqualTo(0), show.ToString());
        Assert.That(show.Stdout, Does.Contain(id).And.Contain("queued"));

        var list = await cli.RunAsync("runs", "list", "--job", "alpha", "--status", "queued", "-o", "json");
        Assert.That(list.Json.GetProperty("items").EnumerateArray().Select(r => r.Str("id")), Does.Contain(id));

        var abort = await cli.RunAsync("runs", "abort", id);
        Assert.That(abort.ExitCode, Is.EqualTo(0), abort.ToString());
        Assert.That(abort.Stdout, Does.Contain("Aborted run alpha/"));

        var again = await cli.RunAsync("runs", "abort", id);
        Assert.That(again.ExitCode, Is.EqualTo(ExitCodes.Api), again.ToString());
        Assert.That(again.Stderr, Does.StartWith("narwhal: 409 "));
    }

    [Test]
    public async Task Jobs_get_of_a_git_job_Should_show_its_github_settings()
    {
        var body = """{ "type": "git", "git": { "url": "https://github.com/acme/app.git" }, "github": { "pushBranches": ["main", "release/*"], "cancelSuperseded": true } }""";
        (await Client.PutAsync("/jobs/gh-settings", new StringContent(body, System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        using var cli = NewCli();
        var result = await cli.RunAsync("jobs", "get", "gh-settings");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Stdout, Does.Match(@"GitHub:\s+pushes to main, release/\*; cancel superseded"));
    }
}
