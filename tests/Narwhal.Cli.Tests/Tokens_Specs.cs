using System.Text.Json;
using Narwhal.Cli.Commands;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>tokens create/list/revoke against a real Api: the secret shown once, usable, and dead after revoke.</summary>
[TestFixture]
public sealed class Tokens_Specs : StackFixture
{
    private Cli NewCli() => new(Stack.ApiUrl, TestStack.AdminToken);

    [Test]
    public async Task The_sign_in_pages_hint_Should_be_a_command_the_CLI_runs()
    {
        // The web UI's sign-in page tells a newcomer how to make a token: the command must work as printed.
        var page = await File.ReadAllTextAsync(RepositoryFiles.PathOf("src", "Api", "Ui", "Pages", "SignIn.cshtml"));
        var hint = System.Text.RegularExpressions.Regex.Match(page, "<code>narwhal (tokens create [^<]*)</code>");
        Assert.That(hint.Success, "the page shows a narwhal tokens create command");

        using var cli = NewCli();
        var result = await cli.RunAsync(hint.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.That(result.ExitCode, Is.EqualTo(0), $"narwhal {hint.Groups[1].Value}\n{result}");
        Assert.That(result.Stdout.TrimEnd('\n'), Is.Not.Empty.And.Not.Contain("\n"), "the secret, alone");
    }

    [Test]
    public async Task When_a_token_is_created_listed_and_revoked_Should_work_until_revoked_and_never_be_listed()
    {
        using var cli = NewCli();
        var created = await cli.RunAsync("tokens", "create", "ci-reader", "--scopes", "read,trigger", "--expires", "30d");
        Assert.That(created.ExitCode, Is.EqualTo(0), created.ToString());
        var secret = created.Stdout.TrimEnd('\n');
        Assert.That(secret, Is.Not.Empty.And.Not.Contain("\n"), "the secret alone on stdout, so $(narwhal tokens create …) captures it");
        Assert.That(created.Stderr, Does.Contain("shown only this once").And.Contain("ci-reader").And.Not.Contain(secret));

        var list = await cli.RunAsync("tokens", "list");
        Assert.That(list.ExitCode, Is.EqualTo(0), list.ToString());
        Assert.That(list.Stdout, Does.StartWith("ID").And.Contain("LAST USED"));
        var row = list.Stdout.Split('\n').Single(l => l.Contains("ci-reader"));
        Assert.That(row, Does.Contain("read,trigger"));
        Assert.That(list.Stdout, Does.Not.Contain(secret), "never the secret");

        using (var withToken = new Cli(Stack.ApiUrl, secret))
        {
            var jobs = await withToken.RunAsync("jobs", "list");
            Assert.That(jobs.ExitCode, Is.EqualTo(0), "the new token works: " + jobs);
            var tokens = await withToken.RunAsync("tokens", "list");
            Assert.That(tokens.ExitCode, Is.EqualTo(ExitCodes.Auth), "read,trigger is not admin: " + tokens);
        }

        var json = await cli.RunAsync("tokens", "list", "-o", "json");
        var listed = json.Json.EnumerateArray().Single(t => t.Str("name") == "ci-reader");
        Assert.That(listed.TryGetProperty("lastUsedAt", out var lastUsed) && lastUsed.ValueKind == JsonValueKind.String, "used once by now: " + json.Stdout);
        var expiresAt = listed.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.That(expiresAt, Is.EqualTo(DateTimeOffset.UtcNow.AddDays(30)).Within(TimeSpan.FromMinutes(5)));

        var revoked = await cli.RunAsync("tokens", "revoke", "ci-reader");
        Assert.That(revoked.ExitCode, Is.EqualTo(0), revoked.ToString());
        Assert.That(revoked.Stdout, Does.Contain($"Revoked token 'ci-reader' ({listed.Str("id")})"));

        using (var withToken = new Cli(Stack.ApiUrl, secret))
        {
            var jobs = await withToken.RunAsync("jobs", "list");
            Assert.That(jobs.ExitCode, Is.EqualTo(ExitCodes.Auth), "a revoked token stops working: " + jobs);
        }
        var after = await cli.RunAsync("tokens", "list", "-o", "json");
        Assert.That(after.Json.EnumerateArray().Select(t => t.Str("name")), Does.Not.Contain("ci-reader"));
    }

    [Test]
    public async Task In_json_Should_print_the_APIs_answers_with_the_secret_once()
    {
        using var cli = NewCli();
        var created = await cli.RunAsync("tokens", "create", "json-bot", "--scopes", "admin", "--expires", "2099-01-01T00:00:00Z", "-o", "json");
        Assert.That(created.ExitCode, Is.EqualTo(0), created.ToString());
        var secret = created.Json.Str("secret");
        var id = created.Json.GetProperty("token").Str("id");
        Assert.That(created.Json.GetProperty("token").GetProperty("expiresAt").GetDateTimeOffset(),
            Is.EqualTo(new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(created.Stderr, Is.Empty, "json mode: nothing but the answer");

        using var admin = new Cli(Stack.ApiUrl, secret);
        var list = await admin.RunAsync("tokens", "list", "-o", "json");
        Assert.That(list.ExitCode, Is.EqualTo(0), list.ToString());
        Assert.That(list.Stdout, Does.Not.Contain(secret));

        var revoked = await cli.RunAsync("tokens", "revoke", id, "-o", "json");
        Assert.That(revoked.ExitCode, Is.EqualTo(0), revoked.ToString());
        Assert.That(revoked.Json.Str("revoked"), Is.EqualTo(id));

        var again = await cli.RunAsync("tokens", "revoke", id);
        Assert.That(again.ExitCode, Is.EqualTo(ExitCodes.NotFound), again.ToString());
    }

    [TestCase(new[] { "tokens", "create", "x" }, ExitCodes.Usage, "needs --scopes")]
    [TestCase(new[] { "tokens", "create", "x", "--scopes", "read", "--expires", "soon" }, ExitCodes.Usage, "--expires takes")]
    [TestCase(new[] { "tokens", "create", "x", "--scopes", "read,root" }, ExitCodes.Api, "Unknown scope 'root'")]
    [TestCase(new[] { "tokens", "create", "x", "--scopes", "read", "--expires", "2001-01-01" }, ExitCodes.Api, "expiresAt: Must be in the future")]
    [TestCase(new[] { "tokens", "revoke", "no-such-token" }, ExitCodes.NotFound, "no active token")]
    public async Task When_the_request_is_wrong_Should_exit_with_the_reason(string[] args, int exitCode, string expected)
    {
        using var cli = NewCli();
        var result = await cli.RunAsync(args);
        Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.ToString());
        Assert.That(result.Stderr, Does.Contain(expected));
    }

    [TestCase("90m", 90)]
    [TestCase("12h", 12 * 60)]
    [TestCase("30d", 30 * 24 * 60)]
    [TestCase("2w", 14 * 24 * 60)]
    public void Expiry_durations_Should_count_from_now(string text, int minutes)
    {
        var now = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.That(TokensCommands.ParseExpiry(text, now), Is.EqualTo(now.AddMinutes(minutes)));
    }

    [Test]
    public void Expiry_dates_without_a_zone_Should_be_UTC()
    {
        Assert.That(TokensCommands.ParseExpiry("2027-01-01", DateTimeOffset.UtcNow), Is.EqualTo(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(TokensCommands.ParseExpiry("2027-01-01T02:00:00+02:00", DateTimeOffset.UtcNow), Is.EqualTo(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }
}
