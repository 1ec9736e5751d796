using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>What the CLI says without a server: usage, unreachable servers, missing configuration.</summary>
[TestFixture]
public sealed class Offline_Specs
{
    [Test]
    public async Task When_the_server_is_unreachable_Should_print_one_clear_line_and_exit_11()
    {
        using var cli = new Cli();
        var result = await cli.RunAsync("jobs", "list", "--url", "http://127.0.0.1:1", "--token", "x");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Connection), result.ToString());
        Assert.That(result.Stderr.TrimEnd(), Is.EqualTo("narwhal: cannot reach http://127.0.0.1:1/: connection refused"));
        Assert.That(result.Stderr.TrimEnd(), Does.Not.Contain("\n"));
        Assert.That(result.Stdout, Is.Empty);
    }

    [Test]
    public async Task When_no_server_is_configured_Should_say_how_to_configure_one()
    {
        using var cli = new Cli();
        var result = await cli.RunAsync("runs", "list");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Config), result.ToString());
        Assert.That(result.Stderr, Does.Contain("narwhal login --url"));
    }

    [TestCase(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [TestCase(new[] { "jobs", "get" }, "missing job name")]
    [TestCase(new[] { "jobs", "list", "--bogus", "1" }, "unknown option '--bogus'")]
    [TestCase(new[] { "run", "x", "--branch", "a", "--commit", "b", "--url", "http://127.0.0.1:1" }, "not both")]
    [TestCase(new[] { "run", "x", "--param", "novalue", "--url", "http://127.0.0.1:1" }, "KEY=VALUE")]
    [TestCase(new[] { "jobs", "list", "-o", "yaml" }, "--output must be table or json")]
    [TestCase(new[] { "login", "--url", "http://127.0.0.1:1", "--token", "secret" }, "do not pass --token")]
    public async Task When_the_command_line_is_wrong_Should_exit_10_with_the_reason(string[] args, string expected)
    {
        using var cli = new Cli();
        var result = await cli.RunAsync(args);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.Stderr, Does.Contain(expected));
    }

    [Test]
    public async Task Help_Should_document_the_exit_codes()
    {
        using var cli = new Cli();
        var result = await cli.RunAsync("--help");
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(result.Stdout, Does.Contain("3   the run timed out").And.Contain("11  cannot reach the server"));
    }

    [Test]
    public async Task When_no_contexts_exist_Context_use_Should_fail_with_the_config_code()
    {
        using var cli = new Cli();
        var result = await cli.RunAsync("context", "use", "nope");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Config), result.ToString());
    }
}
