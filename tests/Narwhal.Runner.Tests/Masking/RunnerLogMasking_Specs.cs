using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Narwhal.Runner.Masking;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Masking;

/// <summary>
/// The Runner's own log never shows a secret of a run it is executing: the Runner application is built as in
/// production (its logging pipeline, both output formats) and its console output is read. Messages, properties,
/// scopes and exceptions are all masked while the run is registered in <see cref="ActiveSecrets"/>.
/// </summary>
[TestFixture]
[NonParallelizable] // swaps the process's console for the duration of a test
public sealed class RunnerLogMasking_Specs
{
    private const string Secret = "s3cr3t-from-the-job-env";

    [TestCase("text")]
    [TestCase("json")]
    public async Task When_a_running_runs_secret_is_logged_Should_write_it_masked(string format)
    {
        var output = await CaptureRunnerLogAsync(format, (secrets, logger) =>
        {
            var run = Guid.NewGuid();
            secrets.Register(run, [Secret, "another-secret-2"]);
            // What Docker's refusal looked like: the variable quoted in the error, the property and the exception.
            logger.LogWarning("Docker refused the variable {Variable}", $"NAME={Secret}\0");
            logger.LogError(new InvalidOperationException($"invalid environment variable: NAME={Secret}",
                new FormatException($"inner {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Secret))}")), "Creating the container failed");
            logger.LogInformation($"interpolated into the message: {Secret}");
            using (logger.BeginScope(new Dictionary<string, object> { ["Env"] = new[] { $"A={Secret}" } }))
                logger.LogInformation("in a scope {Numbers}", new Dictionary<string, string> { [Secret] = Secret });
            secrets.Unregister(run);
            logger.LogInformation("after the run {Value}", Secret);
        });

        var lines = output.Split('\n');
        var beforeEnd = string.Join('\n', lines.TakeWhile(line => !line.Contains("after the run", StringComparison.Ordinal)));
        Assert.Multiple(() =>
        {
            Assert.That(beforeEnd, Does.Contain("Docker refused the variable"));
            Assert.That(beforeEnd, Does.Contain("NAME=***"));
            Assert.That(beforeEnd, Does.Contain("Creating the container failed").And.Contain("inner ***"));
            Assert.That(beforeEnd, Does.Contain("interpolated into the message: ***"));
            Assert.That(beforeEnd, Does.Contain("in a scope"));
            Assert.That(beforeEnd, Does.Not.Contain(Secret[..8]), "no part of the secret while its run runs");
            Assert.That(lines.Single(line => line.Contains("after the run", StringComparison.Ordinal)), Does.Contain(Secret),
                "an ended run's values are no longer masked");
        });
    }

    [Test]
    public async Task When_no_run_is_registered_Should_write_lines_as_they_are()
    {
        var output = await CaptureRunnerLogAsync("text", (_, logger) => logger.LogInformation("plain {Value}", Secret));

        Assert.That(output, Does.Contain($"plain {Secret}"));
    }

    /// <summary>Builds the Runner (not started), runs <paramref name="log"/> with its logger and secrets registry, returns what it wrote.</summary>
    private static async Task<string> CaptureRunnerLogAsync(string format, Action<ActiveSecrets, ILogger> log)
    {
        var console = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            await using var app = RunnerApplication.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["NARWHAL_LOG_FORMAT"] = format,
                ["NARWHAL_RUNNER_LISTEN"] = "http://127.0.0.1:0",
            }));
            log(app.Services.GetRequiredService<ActiveSecrets>(), app.Services.GetRequiredService<ILogger<RunnerLogMasking_Specs>>());
        }
        finally
        {
            Console.SetOut(console);
        }
        return captured.ToString();
    }
}
