using System.Text.Json;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>
/// narwhal apply against a real Api: the plan is the server's dry run, a second apply changes
/// nothing, --prune deletes (and is refused for jobs with active runs), bad input changes nothing.
/// Tests in this fixture run in order and each declares every job it needs (prune deletes the rest).
/// </summary>
[TestFixture]
public sealed class Apply_Specs : StackFixture
{
    private const string TokenValue = "tok-value-1234567890";
    private string _dir = null!;

    [SetUp]
    public void NewDirectory()
    {
        _dir = Path.Combine(Path.GetTempPath(), "narwhal-apply-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private Cli NewCli()
    {
        var cli = new Cli(Stack.ApiUrl, TestStack.AdminToken);
        cli.Env["APPLY_TEST_TOKEN"] = TokenValue;
        return cli;
    }

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Jobs(string prefix, int timeout = 600, string deployKeyFile = "deploy.key") => $$"""
        jobs:
          - name: {{prefix}}-build
            type: freestyle
            image: {{TestEnvironment.BusyboxImage}}
            script: ["echo build"]
            timeoutSeconds: {{timeout}}
            parameters:
              - name: TARGET
                default: "staging"
            secrets:
              API_TOKEN: { fromEnv: APPLY_TEST_TOKEN }
              DEPLOY_KEY: { fromFile: {{deployKeyFile}} }
          - name: {{prefix}}-lint
            type: freestyle
            image: {{TestEnvironment.BusyboxImage}}
            script: ["echo lint"]
        """;

    [Test]
    public async Task Applying_the_same_input_twice_Should_create_then_report_everything_unchanged_and_write_nothing()
    {
        File.WriteAllText(Path.Combine(_dir, "deploy.key"), "-----deploy key value-----\n");
        var file = Write("jobs.yaml", Jobs("twice"));
        using var cli = NewCli();

        var first = await cli.RunAsync("apply", "-f", file);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        Assert.That(first.Stdout, Does.Contain("+ create    job twice-build").And.Contain("+ create    secret twice-build/API_TOKEN")
            .And.Contain("+ create    job twice-lint").And.Contain("Applied: 4 created"));

        var job = await Client.GetJsonAsync("/jobs/twice-build");
        var secrets = await Client.GetJsonAsync("/jobs/twice-build/secrets");
        Assert.That(job.GetProperty("timeoutSeconds").GetInt32(), Is.EqualTo(600));
        Assert.That(secrets.GetProperty("items").EnumerateArray().Select(s => s.Str("name")), Is.EquivalentTo(new[] { "API_TOKEN", "DEPLOY_KEY" }));

        var second = await cli.RunAsync("apply", "-f", _dir); // the directory form reads the same file
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(second.Stdout, Does.Contain("Plan: 0 to create, 0 to update, 0 to delete, 4 unchanged.")
            .And.Contain("No changes: the server matches the input."));
        Assert.That(second.Stdout, Does.Not.Contain("Applied"));

        var jobAfter = await Client.GetJsonAsync("/jobs/twice-build");
        var secretsAfter = await Client.GetJsonAsync("/jobs/twice-build/secrets");
        Assert.That(jobAfter.Str("updatedAt"), Is.EqualTo(job.Str("updatedAt")), "the job was not written again");
        Assert.That(secretsAfter.GetRawText(), Is.EqualTo(secrets.GetRawText()), "no secret was written again (same updatedAt)");
        Assert.That(first.Stdout + first.Stderr + second.Stdout + second.Stderr, Does.Not.Contain(TokenValue).And.Not.Contain("deploy key value"));
    }

    [Test]
    public async Task A_changed_field_Should_show_in_the_plan_with_from_and_to_and_dry_run_Should_change_nothing()
    {
        File.WriteAllText(Path.Combine(_dir, "deploy.key"), "key-one-abcdef");
        using var cli = NewCli();
        var file = Write("jobs.yaml", Jobs("changed"));
        Assert.That((await cli.RunAsync("apply", "-f", file)).ExitCode, Is.EqualTo(0));

        File.WriteAllText(file, Jobs("changed", timeout: 900));
        File.WriteAllText(Path.Combine(_dir, "deploy.key"), "key-two-abcdef");
        var dry = await cli.RunAsync("apply", "-f", file, "--dry-run");
        Assert.That(dry.ExitCode, Is.EqualTo(0), dry.ToString());
        Assert.That(dry.Stdout, Does.Contain("~ update    job changed-build").And.Contain("timeoutSeconds: 600 → 900")
            .And.Contain("~ update    secret changed-build/DEPLOY_KEY (value changes)")
            .And.Contain("=").And.Contain("Dry run: nothing was changed."));
        Assert.That(dry.Stdout, Does.Not.Contain("key-two"));
        Assert.That((await Client.GetJsonAsync("/jobs/changed-build")).GetProperty("timeoutSeconds").GetInt32(), Is.EqualTo(600));

        var json = await cli.RunAsync("apply", "-f", file, "-o", "json");
        Assert.That(json.ExitCode, Is.EqualTo(0), json.ToString());
        var items = json.Json.GetProperty("items").EnumerateArray().ToList();
        var build = items.Single(i => i.Str("kind") == "job" && i.Str("job") == "changed-build");
        Assert.That(build.Str("action"), Is.EqualTo("update"));
        Assert.That(build.Str("result"), Is.EqualTo("updated"));
        var change = build.GetProperty("changes").EnumerateArray().Single();
        Assert.That(change.Str("field"), Is.EqualTo("timeoutSeconds"));
        Assert.That(change.GetProperty("from").GetInt32(), Is.EqualTo(600));
        Assert.That(change.GetProperty("to").GetInt32(), Is.EqualTo(900));
        Assert.That(json.Json.GetProperty("summary").GetProperty("update").GetInt32(), Is.EqualTo(2));
        Assert.That((await Client.GetJsonAsync("/jobs/changed-build")).GetProperty("timeoutSeconds").GetInt32(), Is.EqualTo(900));
    }

    [Test]
    public async Task Prune_Should_need_yes_then_delete_absent_jobs_and_be_refused_for_a_job_with_a_queued_run()
    {
        File.WriteAllText(Path.Combine(_dir, "deploy.key"), "key-prune-abcdef");
        using var cli = NewCli();
        (await Client.PutFreestyleJobAsync("prune-idle", TestEnvironment.BusyboxImage, "true")).EnsureSuccessStatusCode();
        (await Client.PutFreestyleJobAsync("prune-busy", TestEnvironment.BusyboxImage, "true")).EnsureSuccessStatusCode();
        await Client.TriggerAsync("prune-busy"); // no Runner here: the run stays queued
        var file = Write("jobs.yaml", Jobs("kept"));

        var unconfirmed = await cli.RunAsync("apply", "-f", file, "--prune");
        Assert.That(unconfirmed.ExitCode, Is.EqualTo(ExitCodes.Usage), unconfirmed.ToString());
        Assert.That(unconfirmed.Stdout, Does.Contain("- delete    job prune-idle").And.Contain("- delete    job prune-busy"));
        Assert.That(unconfirmed.Stderr, Does.Contain("--yes"));
        Assert.That((await Client.GetAsync("/jobs/prune-idle")).IsSuccessStatusCode, "nothing applied without --yes");
        Assert.That((await Client.GetAsync("/jobs/kept-build")).IsSuccessStatusCode, Is.False, "nothing at all applied without --yes");

        var pruned = await cli.RunAsync("apply", "-f", file, "--prune", "--yes");
        Assert.That(pruned.ExitCode, Is.EqualTo(ExitCodes.Api), pruned.ToString());
        Assert.That(pruned.Stderr, Does.Contain("job prune-busy: failed: 409"));
        Assert.That((await Client.GetAsync("/jobs/prune-idle")).StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NotFound));
        Assert.That((await Client.GetAsync("/jobs/prune-busy")).IsSuccessStatusCode, "refused: it has a queued run");
        Assert.That((await Client.GetAsync("/jobs/kept-build")).IsSuccessStatusCode);

        // Secrets the input does not declare are pruned too (dry run here: the plan says so).
        (await Client.PutAsync("/jobs/kept-lint/secrets/STRAY", JsonContent("""{ "value": "stray-value-123456" }"""))).EnsureSuccessStatusCode();
        var again = await cli.RunAsync("apply", "-f", file, "--prune", "--dry-run");
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.Stdout, Does.Contain("- delete    secret kept-lint/STRAY").And.Contain("- delete    job prune-busy"));
    }

    [Test]
    public async Task A_secret_written_in_the_file_Should_be_refused_with_file_line_and_column_and_change_nothing()
    {
        using var cli = NewCli();
        var file = Write("bad.yaml", $$"""
            jobs:
              - name: literal-ok
                type: freestyle
                image: {{TestEnvironment.BusyboxImage}}
                script: ["true"]
              - name: literal-bad
                type: freestyle
                image: {{TestEnvironment.BusyboxImage}}
                script: ["true"]
                secrets:
                  PASSWORD: hunter2-literal
                  MISSING: { fromEnv: NOT_SET_ANYWHERE_42 }
            """);
        var result = await cli.RunAsync("apply", "-f", file);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Input), result.ToString());
        Assert.That(result.Stderr, Does.Contain($"{file}:11:17: secret PASSWORD of job literal-bad: a secret's value never sits in the file"));
        Assert.That(result.Stderr, Does.Contain($"{file}:12:16: secret MISSING of job literal-bad: environment variable NOT_SET_ANYWHERE_42 is not set"));
        Assert.That(result.Stderr, Does.Not.Contain("hunter2"));
        Assert.That((await Client.GetAsync("/jobs/literal-ok")).IsSuccessStatusCode, Is.False, "nothing was applied");
    }

    [Test]
    public async Task A_field_the_server_refuses_Should_point_at_its_line_and_nothing_Should_be_written()
    {
        using var cli = NewCli();
        var file = Write("invalid.yaml", $$"""
            jobs:
              - name: refused-ok
                type: freestyle
                image: {{TestEnvironment.BusyboxImage}}
                script: ["true"]
              - name: refused-bad
                type: freestyle
                image: {{TestEnvironment.BusyboxImage}}
                script: ["true"]
                timeoutSeconds: -5
            """);
        var result = await cli.RunAsync("apply", "-f", file);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Api), result.ToString());
        Assert.That(result.Stderr, Does.Contain("nothing was changed").And.Contain($"{file}:10:5: job refused-bad: timeoutSeconds:"));
        Assert.That((await Client.GetAsync("/jobs/refused-ok")).IsSuccessStatusCode, Is.False, "a valid job next to an invalid one is not applied either");
    }

    [Test]
    public async Task Invalid_yaml_Should_report_file_line_and_column()
    {
        using var cli = NewCli();
        var file = Write("broken.yaml", "jobs:\n  - name: x\n    script: [\"unterminated\n");
        var result = await cli.RunAsync("apply", "-f", file);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Input), result.ToString());
        Assert.That(result.Stderr, Does.Match($@"{System.Text.RegularExpressions.Regex.Escape(file)}:\d+:\d+: invalid YAML"));
    }

    [Test]
    public async Task A_token_without_admin_scope_Should_exit_12_before_anything_is_written()
    {
        var created = await (await Client.PostAsync("/tokens", JsonContent("""{ "name": "apply-reader", "scopes": ["read"] }"""))).Content.ReadAsStringAsync();
        var secret = JsonDocument.Parse(created).RootElement.Str("secret");
        using var cli = new Cli(Stack.ApiUrl, secret);
        var file = Write("jobs.yaml", $$"""
            jobs:
              - name: scoped
                type: freestyle
                image: {{TestEnvironment.BusyboxImage}}
                script: ["true"]
            """);
        var result = await cli.RunAsync("apply", "-f", file);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Auth), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("narwhal: 403 ").And.Contain("admin"));
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
