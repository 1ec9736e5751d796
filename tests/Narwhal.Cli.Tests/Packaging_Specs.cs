using System.Diagnostics;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>
/// scripts/build-cli.sh: the self-contained single file runs without any .NET on PATH, and the
/// .NET tool package installs with `dotnet tool install` and runs.
/// </summary>
[TestFixture]
[Category("Packaging")]
public sealed class Packaging_Specs
{
    private string _dist = null!;

    [OneTimeSetUp]
    public async Task Build()
    {
        _dist = Path.Combine(Path.GetTempPath(), "narwhal-dist-" + Guid.NewGuid().ToString("N"));
        var build = await RunAsync(RepositoryFiles.PathOf("scripts", "build-cli.sh"), [], new() { ["NARWHAL_DIST"] = _dist, ["NARWHAL_CLI_VERSION"] = "1.2.3" });
        Assert.That(build.Code, Is.EqualTo(0), build.Output);
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (Directory.Exists(_dist)) Directory.Delete(_dist, recursive: true);
    }

    [Test]
    public async Task The_single_file_Should_run_without_dotnet_on_the_machine()
    {
        var exe = Directory.GetFiles(_dist, "narwhal-*").Single();
        Assert.That(new FileInfo(exe).Length, Is.GreaterThan(10_000_000), "self-contained: the runtime is inside");
        // No dotnet on PATH and no DOTNET_ROOT: a framework-dependent app would fail to start.
        var env = new Dictionary<string, string?> { ["PATH"] = "/usr/bin:/bin", ["DOTNET_ROOT"] = "/nonexistent", ["HOME"] = _dist };
        var version = await RunAsync(exe, ["--version"], env);
        Assert.That(version.Code, Is.EqualTo(0), version.Output);
        Assert.That(version.Output.Trim(), Is.EqualTo("narwhal 1.2.3"));
        var offline = await RunAsync(exe, ["jobs", "list", "--url", "http://127.0.0.1:1", "--token", "x"], env);
        Assert.That(offline.Code, Is.EqualTo(ExitCodes.Connection), offline.Output);
    }

    [Test]
    public async Task The_tool_package_Should_install_with_dotnet_tool_install_and_run()
    {
        var toolPath = Path.Combine(_dist, "tools");
        var install = await RunAsync("dotnet", ["tool", "install", "Narwhal.Cli", "--tool-path", toolPath, "--add-source", _dist, "--version", "1.2.3"], []);
        Assert.That(install.Code, Is.EqualTo(0), install.Output);
        var help = await RunAsync(Path.Combine(toolPath, "narwhal"), ["apply", "--help"], []);
        Assert.That(help.Code, Is.EqualTo(0), help.Output);
        Assert.That(help.Output, Does.Contain("Usage: narwhal apply -f FILE|DIR"));
    }


    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, Dictionary<string, string?> env)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in env) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
