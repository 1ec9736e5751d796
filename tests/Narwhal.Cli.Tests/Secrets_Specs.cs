using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>secrets set/list/delete against a real Api: values from stdin or a file, never from an argument, never printed.</summary>
[TestFixture]
public sealed class Secrets_Specs : StackFixture
{
    private string _dir = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _dir = Directory.CreateTempSubdirectory("narwhal-cli-secrets-").FullName;
        (await Client.PutFreestyleJobAsync("vault", TestEnvironment.BusyboxImage, "echo $API_KEY")).EnsureSuccessStatusCode();
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private Cli NewCli() => new(Stack.ApiUrl, TestStack.AdminToken);

    /// <summary>What the API holds, asked without writing: the outcome a PUT of <paramref name="value"/> would have.</summary>
    private async Task<string> OutcomeOfSettingAsync(string key, string value)
    {
        var answer = await Client.PutAsJsonAsync($"/jobs/vault/secrets/{key}?dryRun=true", new { value });
        answer.EnsureSuccessStatusCode();
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).Str("outcome");
    }

    [Test]
    public async Task When_a_secret_is_set_from_stdin_then_again_Should_say_created_then_unchanged_and_never_print_the_value()
    {
        const string value = "stdin-value-5f1c2a";
        using var cli = NewCli();
        var results = new List<Result>
        {
            await cli.RunWithStdinAsync(value + "\n", "secrets", "set", "vault", "API_KEY"),
            await cli.RunWithStdinAsync(value + "\n", "secrets", "set", "vault", "API_KEY"),
            await cli.RunWithStdinAsync(value, "secrets", "set", "vault", "API_KEY", "-o", "json"),
        };
        foreach (var r in results) Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(results[0].Stdout.TrimEnd(), Is.EqualTo("Secret API_KEY of job vault: created."));
        Assert.That(results[1].Stdout.TrimEnd(), Is.EqualTo("Secret API_KEY of job vault: unchanged."));
        Assert.That(results[2].Json.Str("outcome"), Is.EqualTo("unchanged"), "one trailing newline is not part of the value");
        Assert.That(await OutcomeOfSettingAsync("API_KEY", value), Is.EqualTo("unchanged"), "stored exactly, without the newline");

        results.Add(await cli.RunAsync("secrets", "list", "vault"));
        results.Add(await cli.RunAsync("secrets", "list", "vault", "-o", "json"));
        Assert.That(results[3].Stdout, Does.StartWith("NAME").And.Contain("API_KEY"));
        Assert.That(results[4].Json.GetProperty("items").EnumerateArray().Select(s => s.Str("name")), Does.Contain("API_KEY"));
        foreach (var r in results)
            Assert.That(r.Stdout + r.Stderr, Does.Not.Contain(value), "the value is never echoed");
    }

    [Test]
    public async Task When_a_secret_is_set_from_a_file_Should_take_the_file_less_one_newline_and_report_updates()
    {
        const string first = "file-value-0a9b8c\nsecond line";
        const string second = "file-value-changed-77";
        var path = Path.Combine(_dir, "token.txt");
        using var cli = NewCli();

        await File.WriteAllTextAsync(path, first + "\n");
        var created = await cli.RunAsync("secrets", "set", "vault", "FILE_KEY", "--from-file", path);
        Assert.That(created.Stdout, Does.Contain("created"), created.ToString());
        Assert.That(await OutcomeOfSettingAsync("FILE_KEY", first), Is.EqualTo("unchanged"), "multi-line content kept, the final newline dropped");

        var same = await cli.RunWithStdinAsync(first, "secrets", "set", "vault", "FILE_KEY", "-o", "json");
        Assert.That(same.Json.Str("outcome"), Is.EqualTo("unchanged"), same.ToString());

        await File.WriteAllTextAsync(path, second);
        var updated = await cli.RunAsync("secrets", "set", "vault", "FILE_KEY", "--from-file", path, "-o", "json");
        Assert.That(updated.ExitCode, Is.EqualTo(0), updated.ToString());
        Assert.That(updated.Json.Str("outcome"), Is.EqualTo("updated"));
        Assert.That(updated.Json.Str("name"), Is.EqualTo("FILE_KEY"));

        foreach (var r in new[] { created, same, updated })
            Assert.That(r.Stdout + r.Stderr, Does.Not.Contain("file-value"), "the value is never echoed");
    }

    [Test]
    public async Task When_a_secret_is_deleted_Should_leave_the_list_and_a_second_delete_is_404()
    {
        using var cli = NewCli();
        var set = await cli.RunWithStdinAsync("short-lived-value", "secrets", "set", "vault", "GONE");
        Assert.That(set.ExitCode, Is.EqualTo(0), set.ToString());

        var deleted = await cli.RunAsync("secrets", "delete", "vault", "GONE", "-o", "json");
        Assert.That(deleted.ExitCode, Is.EqualTo(0), deleted.ToString());
        Assert.That(deleted.Json.Str("deleted"), Is.EqualTo("GONE"));
        var list = await cli.RunAsync("secrets", "list", "vault", "-o", "json");
        Assert.That(list.Json.GetProperty("items").EnumerateArray().Select(s => s.Str("name")), Does.Not.Contain("GONE"));

        var again = await cli.RunAsync("secrets", "delete", "vault", "GONE");
        Assert.That(again.ExitCode, Is.EqualTo(ExitCodes.NotFound), again.ToString());
    }

    [Test]
    public async Task When_the_value_is_given_as_an_argument_Should_refuse_without_repeating_it()
    {
        const string value = "argument-value-31337";
        using var cli = NewCli();
        foreach (var args in new[]
                 {
                     new[] { "secrets", "set", "vault", "ARG_KEY", "--value", value },
                     new[] { "secrets", "set", "vault", "ARG_KEY", $"--value={value}" },
                     new[] { "secrets", "set", "vault", "ARG_KEY", value },
                 })
        {
            var result = await cli.RunWithStdinAsync("unused-stdin-value", args);
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
            Assert.That(result.Stderr, Does.Contain("stdin").And.Contain("--from-file").And.Not.Contain(value));
            Assert.That(result.Stdout, Is.Empty);
        }
        var list = await cli.RunAsync("secrets", "list", "vault", "-o", "json");
        Assert.That(list.Json.GetProperty("items").EnumerateArray().Select(s => s.Str("name")), Does.Not.Contain("ARG_KEY"), "nothing was set");
    }

    [Test]
    public async Task When_the_value_is_too_short_or_missing_Should_fail_without_printing_it()
    {
        using var cli = NewCli();
        var empty = await cli.RunWithStdinAsync("", "secrets", "set", "vault", "EMPTY");
        Assert.That(empty.ExitCode, Is.EqualTo(ExitCodes.Usage), empty.ToString());
        Assert.That(empty.Stderr, Does.Contain("no value given on stdin"));

        var shortValue = await cli.RunWithStdinAsync("abc12\n", "secrets", "set", "vault", "SHORT");
        Assert.That(shortValue.ExitCode, Is.EqualTo(ExitCodes.Api), shortValue.ToString());
        Assert.That(shortValue.Stderr, Does.Contain("at least 6 characters").And.Not.Contain("abc12"));

        var missingFile = await cli.RunAsync("secrets", "set", "vault", "NOFILE", "--from-file", Path.Combine(_dir, "missing.txt"));
        Assert.That(missingFile.ExitCode, Is.EqualTo(ExitCodes.Usage), missingFile.ToString());

        var noJob = await cli.RunWithStdinAsync("some-value-123", "secrets", "set", "no-such-job", "KEY");
        Assert.That(noJob.ExitCode, Is.EqualTo(ExitCodes.NotFound), noJob.ToString());
    }
}
