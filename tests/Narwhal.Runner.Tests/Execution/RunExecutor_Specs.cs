using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Narwhal.Api.Runs;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Execution;

/// <summary>
/// The run path of a Runner — plan, container phase, log, outcome — as the Runner's own services
/// wire it, with a fake container engine in place of Docker and the real Postgres and object store.
/// What a run ends as follows from what its container did; whatever happened, nothing of the run
/// stays on the engine, and its stored log never holds a secret.
/// </summary>
[TestFixture]
public sealed class RunExecutor_Specs
{
    private const string Secret = "s3cr3t-runpath-value";

    private TestStack _stack = null!;
    private string _workDirectory = null!;
    private FakeContainerEngine _engine = null!;
    private WebApplication _runner = null!;

    [OneTimeSetUp]
    public async Task StartServices()
    {
        _stack = await TestStack.CreateAsync(startApi: false);
        _workDirectory = Path.Combine(Path.GetTempPath(), $"narwhal-runpath-specs-{Guid.NewGuid():N}");
    }

    [OneTimeTearDown]
    public async Task StopServices()
    {
        await _stack.DisposeAsync();
        if (Directory.Exists(_workDirectory)) Directory.Delete(_workDirectory, recursive: true);
    }

    [SetUp]
    public void BuildRunner()
    {
        // Built, not started: no intake, no heartbeats — the specs hand runs to the executor themselves.
        _engine = new FakeContainerEngine();
        var settings = _stack.CommonSettings();
        settings["NARWHAL_RUNNER_ID"] = "runpath-specs";
        settings["NARWHAL_RUNNER_WORK_DIR"] = _workDirectory;
        settings["NARWHAL_JOB_STOP_GRACE"] = "1";
        _runner = RunnerApplication.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Services.AddSingleton<IContainerEngine>(_engine);
        });
    }

    [TearDown]
    public async Task DisposeRunner() => await _runner.DisposeAsync();

    [Test]
    public async Task When_the_script_exits_non_zero_Should_end_the_run_failed_with_its_exit_code_and_store_its_log()
    {
        _engine.Output = "compiling\nerror: it broke\n";
        _engine.ExitCode = 3;

        var run = await ExecuteAsync(RunSeeder.Freestyle("make"));

        var log = await StoredLogAsync(run.Id);
        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(RunStatus.Failed));
            Assert.That(run.ExitCode, Is.EqualTo(3));
            Assert.That(run.StatusReason, Is.EqualTo("The script exited with code 3."));
            Assert.That(run.LogKey, Is.EqualTo(LogShipper.ConsoleKey(run.Id)));
            Assert.That(log, Does.Contain("error: it broke"));
        });
        AssertNothingLeft();
    }

    [Test]
    public async Task When_the_script_outlives_its_timeout_Should_stop_its_container_and_end_the_run_timed_out()
    {
        _engine.RunsForever = true;

        var run = await ExecuteAsync(RunSeeder.Freestyle("sleep 3600") with { TimeoutSeconds = 1 });

        var log = await StoredLogAsync(run.Id);
        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(RunStatus.TimedOut));
            Assert.That(run.StatusReason, Is.EqualTo("The script exceeded its timeout of 1 s."));
            Assert.That(_engine.Calls.Count(c => c.StartsWith("stop ", StringComparison.Ordinal)), Is.EqualTo(1), "the job container is stopped");
            Assert.That(log, Does.Contain("[narwhal] The script exceeded its timeout of 1 s."));
        });
        AssertNothingLeft();
    }

    [Test]
    public async Task When_the_run_is_aborted_while_its_script_runs_Should_end_it_aborted_with_who_asked()
    {
        _engine.RunsForever = true;
        using var cancellation = new RunCancellation();
        var executing = ExecuteAsync(RunSeeder.Freestyle("sleep 3600"), cancellation);
        await Eventually.UntilAsync(() => Task.FromResult(_engine.Calls.Any(c => c.StartsWith("wait ", StringComparison.Ordinal))),
            "the script running", TimeSpan.FromSeconds(30));

        cancellation.Cancel(CancellationReason.Abort, "Aborted by runpath-specs.");
        var run = await executing;

        Assert.That(run.Status, Is.EqualTo(RunStatus.Aborted));
        Assert.That(run.StatusReason, Is.EqualTo("Aborted by runpath-specs."));
        AssertNothingLeft();
    }

    [Test]
    public async Task When_the_engine_fails_to_start_the_container_Should_remove_it_and_the_network_and_end_the_run_as_an_error()
    {
        _engine.StartFailure = new InvalidOperationException("the engine refused to start it");

        var run = await ExecuteAsync(RunSeeder.Freestyle("true"));

        Assert.That(run.Status, Is.EqualTo(RunStatus.Error));
        Assert.That(run.StatusReason, Is.EqualTo("Runner error: the engine refused to start it"));
        var created = _engine.Calls.Single(c => c.StartsWith("create ", StringComparison.Ordinal))["create ".Length..];
        var calls = _engine.Calls.ToList();
        Assert.That(calls.IndexOf($"remove {created}"), Is.GreaterThanOrEqualTo(0), "the container is removed");
        Assert.That(calls.FindIndex(c => c.StartsWith("remove-network ", StringComparison.Ordinal)), Is.GreaterThan(calls.IndexOf($"remove {created}")),
            "the network is removed after the container on it");
        AssertNothingLeft();
    }

    [Test]
    public async Task When_the_script_prints_a_job_secret_Should_store_the_log_with_the_secret_masked()
    {
        _engine.Output = $"token={Secret}\nencoded {Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret))}\n";

        var run = await ExecuteAsync(RunSeeder.Freestyle("./deploy"), secrets: new Dictionary<string, string> { ["DEPLOY_TOKEN"] = Secret });

        var log = await StoredLogAsync(run.Id);
        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(RunStatus.Succeeded));
            Assert.That(log, Does.Contain("token=***"));
            Assert.That(log, Does.Not.Contain(Secret));
            Assert.That(log, Does.Not.Contain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret))));
            Assert.That(_engine.Calls.Where(c => c.StartsWith("create ", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1));
        });
        AssertNothingLeft();
    }

    /// <summary>Seeds and claims a run of <paramref name="spec"/>, executes it to its end and returns it as stored.</summary>
    private async Task<Run> ExecuteAsync(JobSpec spec, RunCancellation? cancellation = null, IReadOnlyDictionary<string, string>? secrets = null)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (job, queued, _) = await RunSeeder.QueuedRunAsync(_stack.Database.DataSource, $"rp-{Guid.NewGuid():N}"[..20], spec);
        foreach (var (name, value) in secrets ?? new Dictionary<string, string>())
            await Service<JobSecretStore>().SetAsync(job.Id, name, value, deadline.Token);
        var claimed = (await Service<RunAttemptStore>().ClaimAsync(queued.Id, "runpath-specs", deadline.Token)).Claimed!;

        using var owned = cancellation is null ? new RunCancellation() : null;
        await Service<RunExecutor>().ExecuteAsync(claimed, cancellation ?? owned!).WaitAsync(deadline.Token);
        return (await new RunStore(_stack.Database.DataSource, TimeProvider.System).GetAsync(queued.Id, deadline.Token))!;
    }

    private T Service<T>() where T : notnull => _runner.Services.GetRequiredService<T>();

    private async Task<string> StoredLogAsync(Guid runId)
    {
        await using var stored = await _stack.Bucket.Store.GetAsync(LogShipper.ConsoleKey(runId), null, CancellationToken.None)
            ?? throw new AssertionException("No console log was stored.");
        using var reader = new StreamReader(stored.Content);
        return await reader.ReadToEndAsync();
    }

    private void AssertNothingLeft() => Assert.Multiple(() =>
    {
        Assert.That(_engine.LiveContainers.Keys, Is.Empty, "containers left on the engine");
        Assert.That(_engine.LiveNetworks.Keys, Is.Empty, "networks left on the engine");
    });
}
