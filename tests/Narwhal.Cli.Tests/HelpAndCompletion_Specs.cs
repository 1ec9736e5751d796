using System.Diagnostics;
using Narwhal.Cli.Commands;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>--help on every command, and shell completion (the bash script run by a real bash).</summary>
[TestFixture]
public sealed class HelpAndCompletion_Specs
{
    private static IEnumerable<string> CommandNames() =>
        CommandTable.All.Where(c => !c.Name.StartsWith("__", StringComparison.Ordinal)).Select(c => c.Name);

    [TestCaseSource(nameof(CommandNames))]
    public async Task Every_command_Should_have_help_with_usage_and_examples(string name)
    {
        using var cli = new Cli();
        var result = await cli.RunAsync([.. name.Split(' '), "--help"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Stdout, Does.StartWith($"narwhal {name} — ").And.Contain("Usage: narwhal " + name.Split(' ')[0]).And.Contain("Examples:\n  narwhal "));
    }

    [TestCase("--help")]
    [TestCase("help")]
    [TestCase("runs", "--help")]
    [TestCase("runs", "list", "--help")]
    public async Task Help_Should_end_with_exactly_one_newline(params string[] args)
    {
        // Without it the shell prompt lands on help's last line.
        using var cli = new Cli();
        var result = await cli.RunAsync(args);
        Assert.That(result.Stdout, Does.EndWith("\n").And.Not.EndWith("\n\n"), result.ToString());
    }

    [Test]
    public async Task Without_a_command_Should_print_the_help_on_stderr_ending_with_a_newline()
    {
        using var cli = new Cli();
        var result = await cli.RunAsync();
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(result.Stderr, Does.EndWith("\n").And.Not.EndWith("\n\n"));
    }

    [Test]
    public async Task Help_before_a_command_and_group_help_Should_work_like_gh()
    {
        using var cli = new Cli();
        var viaHelp = await cli.RunAsync("help", "runs", "abort");
        var viaFlag = await cli.RunAsync("runs", "abort", "-h");
        Assert.That(viaHelp.Stdout, Is.EqualTo(viaFlag.Stdout).And.Contain("narwhal runs abort build/42"));

        var group = await cli.RunAsync("jobs", "--help");
        Assert.That(group.ExitCode, Is.EqualTo(0));
        Assert.That(group.Stdout, Does.Contain("narwhal jobs list").And.Contain("narwhal jobs get").And.Contain("narwhal jobs delete"));

        var missing = await cli.RunAsync("runs");
        Assert.That(missing.ExitCode, Is.EqualTo(ExitCodes.Usage), "a group without a command is a usage error, help on stderr");
        Assert.That(missing.Stderr, Does.Contain("narwhal runs list"));

        var singular = await cli.RunAsync("job", "get", "--help");
        Assert.That(singular.Stdout, Does.StartWith("narwhal jobs get"));
    }

    [Test]
    public async Task The_completion_command_Should_offer_commands_subcommands_options_and_values()
    {
        using var cli = new Cli();
        async Task<string[]> Complete(params string[] words) =>
            (await cli.RunAsync(["__complete", "--", .. words])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(await Complete(""), Is.SupersetOf(new[] { "apply", "jobs", "runs", "run", "logs", "completion" }).And.No.Contain("__complete"));
        Assert.That(await Complete("ru"), Is.EquivalentTo(new[] { "run", "runs", "runners" }));
        Assert.That(await Complete("jobs", ""), Is.EquivalentTo(new[] { "list", "get", "delete" }));
        Assert.That(await Complete("run", "hello", "--b"), Is.EquivalentTo(new[] { "--branch" }));
        Assert.That(await Complete("logs", "build/1", "--s"), Is.EquivalentTo(new[] { "--step" }));
        Assert.That(await Complete("runs", "list", "--status", "t"), Is.EquivalentTo(new[] { "timed_out" }));
        Assert.That(await Complete("jobs", "list", "-o", ""), Is.EquivalentTo(new[] { "table", "json" }));
        Assert.That(await Complete("completion", ""), Is.EquivalentTo(new[] { "bash", "zsh", "fish" }));
        Assert.That(await Complete("results", "d"), Is.EquivalentTo(new[] { "download" }), "a command that is also a group offers its subcommands");
        // No server configured: job names are silently not offered (never an error in the middle of a command line).
        Assert.That(await Complete("jobs", "get", ""), Is.Empty);
    }

    [Test]
    public async Task The_bash_script_Should_complete_in_a_real_bash()
    {
        using var cli = new Cli();
        var script = await cli.RunAsync("completion", "bash");
        Assert.That(script.ExitCode, Is.EqualTo(0));
        var path = Path.Combine(cli.ConfigHome, "narwhal.bash");
        Directory.CreateDirectory(cli.ConfigHome);
        await File.WriteAllTextAsync(path, script.Stdout);

        // The script calls `narwhal`; a shell function stands in for the installed binary.
        var dll = typeof(Program).Assembly.Location;
        var probe = $"""
            source '{path}'
            narwhal() {'{'} dotnet '{dll}' "$@"; {'}'}
            COMP_WORDS=(narwhal runs ""); COMP_CWORD=2; _narwhal; printf '%s\n' "${'{'}COMPREPLY[@]{'}'}"
            echo ---
            COMP_WORDS=(narwhal logs --fol); COMP_CWORD=2; _narwhal; printf '%s\n' "${'{'}COMPREPLY[@]{'}'}"
            """;
        var start = new ProcessStartInfo("bash", ["--norc", "-c", probe]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["XDG_CONFIG_HOME"] = cli.ConfigHome;
        start.Environment["HOME"] = cli.ConfigHome;
        using var bash = Process.Start(start)!;
        var output = await bash.StandardOutput.ReadToEndAsync();
        var errors = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        Assert.That(bash.ExitCode, Is.EqualTo(0), errors);
        var parts = output.Split("---\n");
        Assert.That(parts[0].Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EquivalentTo(new[] { "list", "show", "abort", "rerun", "retry", "retry-failed" }));
        Assert.That(parts[1].Trim(), Is.EqualTo("--follow"));
    }

    [TestCase("zsh", "compdef _narwhal narwhal")]
    [TestCase("fish", "complete -c narwhal")]
    public async Task The_zsh_and_fish_scripts_Should_call_the_same_completer(string shell, string registration)
    {
        using var cli = new Cli();
        var script = await cli.RunAsync("completion", shell);
        Assert.That(script.ExitCode, Is.EqualTo(0));
        Assert.That(script.Stdout, Does.Contain("narwhal __complete --").And.Contain(registration));
    }
}
