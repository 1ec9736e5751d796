using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Narwhal.Api.Jobs;
using Narwhal.Core.Fleet;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests.Fleet;

/// <summary>
/// Runner processes (with their own heartbeats) killed with SIGKILL mid-run: their runs never stay stuck (lost within the
/// offline timeout, with a reason) and never run twice (one new attempt only when the job opted in,
/// the old attempt's writes refused); a Runner restarted under the same id removes what its
/// previous life left in Docker.
/// </summary>
[TestFixture]
public sealed class LostRuns_Specs : StackFixture
{
    private readonly Stack<IAsyncDisposable> _processes = new();
    private readonly List<WebApplication> _inProcessRunners = [];

    [OneTimeSetUp]
    public async Task Start()
    {
        await Stack.StartDispatcherAsync(FleetTesting.DispatcherSettings());
        await Client.PutFreestyleJobAsync("sleeper", TestEnvironment.BusyboxImage, "echo started", "sleep 60");
    }

    [TearDown]
    public async Task StopRunners()
    {
        while (_processes.TryPop(out var process)) await process.DisposeAsync();
        foreach (var runner in _inProcessRunners) await Stack.StopAsync(runner);
        _inProcessRunners.Clear();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await FleetTesting.RemoveContainersAsync(Stack);
    }

    /// <summary>A Runner process, once the Dispatcher has its heartbeats (the Runner's own).</summary>
    private async Task<RunnerProcess> StartRunnerAsync(string runnerId)
    {
        var process = await FleetTesting.StartRunnerProcessAsync(Stack, runnerId);
        _processes.Push(process);
        await UntilOnlineAsync(runnerId);
        return process;
    }

    private Task UntilOnlineAsync(string runnerId) =>
        Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, runnerId), r => r?.State == RunnerState.Online, $"{runnerId} to be online");

    private async Task<Job> SaveRetryingJobAsync(string name, int onLost, params string[] script) =>
        (await new JobStore(Stack.Database.DataSource).SaveAsync(name,
            RunSeeder.Freestyle(script) with { Retry = new RetryPolicy { OnLost = onLost } }, CancellationToken.None)).Job;

    private Task<JsonElement> RunAsync(string runId) => Client.GetJsonAsync($"/runs/{runId}");

    /// <summary>Until the run's given attempt is running on the Runner and its container is up.</summary>
    private async Task<Guid> UntilAttemptRunsAsync(string runId, int attempt, string runnerId)
    {
        await Eventually.UntilAsync(() => RunAsync(runId),
            r => r.Str("status") == "running" && r.GetProperty("attempt").GetInt32() == attempt && r.Str("runnerId") == runnerId,
            $"attempt {attempt} of run {runId} to run on {runnerId}");
        var attemptId = await Stack.Database.ScalarAsync<Guid>("SELECT attempt_id FROM runs WHERE id = @id", new { id = Guid.Parse(runId) });
        await Eventually.UntilAsync(() => FleetTesting.ContainersAsync(Stack, RunLabels.AttemptId, attemptId.ToString()),
            // Set-up (image, network, container) on an engine busy with other stacks' runs can take a while.
            list => list.Any(c => c.State == "running"), $"the container of attempt {attempt} to run", TimeSpan.FromSeconds(150));
        return attemptId;
    }

    private Task<long> OutboxRowsAsync(string runId) =>
        Stack.Database.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @id", new { id = Guid.Parse(runId) });

    [Test]
    public async Task When_a_runner_is_killed_mid_run_Should_end_the_run_lost_within_the_offline_timeout_and_clean_up_at_its_restart()
    {
        var runner = await StartRunnerAsync("doomed");
        var run = await Client.TriggerAsync("sleeper");
        await UntilAttemptRunsAsync(run.Str("id"), attempt: 1, "doomed");

        await runner.KillAsync();
        var sinceKill = Stopwatch.StartNew();

        var ended = await Eventually.UntilAsync(() => RunAsync(run.Str("id")), r => r.Str("status") != "running",
            "the run of the killed Runner to end", TimeSpan.FromSeconds(60));
        Assert.That(ended.Str("status"), Is.EqualTo("lost"));
        Assert.That(ended.Str("statusReason"), Does.Contain("Runner doomed silent since").And.Contain("retry.onLost"));
        Assert.That(sinceKill.Elapsed, Is.LessThan(FleetTesting.OfflineTimeout + TimeSpan.FromSeconds(15)),
            "lost within the offline timeout (5 s) plus a scan and some slack for a loaded machine");
        Assert.That((await FleetTesting.RunnerAsync(Stack, "doomed"))!.State, Is.EqualTo(RunnerState.Offline));
        Assert.That(await FleetTesting.ContainersAsync(Stack, RunLabels.RunnerId, "doomed"), Is.Not.Empty,
            "SIGKILL gave the Runner no chance to remove its container");

        await StartRunnerAsync("doomed");

        Assert.That(await FleetTesting.ContainersAsync(Stack, RunLabels.RunnerId, "doomed"), Is.Empty,
            "the restarted Runner removed its previous life's container before taking runs");
        Assert.That((await FleetTesting.RunnerAsync(Stack, "doomed"))!.OfflineAt, Is.Null, "back online");
        Assert.That((await RunAsync(run.Str("id"))).Str("status"), Is.EqualTo("lost"));
    }

    [Test]
    public async Task When_a_job_retries_on_lost_and_its_runner_dies_Should_run_exactly_one_new_attempt_elsewhere_and_refuse_the_old_one()
    {
        await SaveRetryingJobAsync("retried", onLost: 1, "echo attempt on $HOSTNAME", "sleep 6");
        var first = await StartRunnerAsync("retry-first");
        var run = await Client.TriggerAsync("retried");
        var runId = Guid.Parse(run.Str("id"));
        var firstAttempt = await UntilAttemptRunsAsync(run.Str("id"), attempt: 1, "retry-first");

        await first.KillAsync();

        var queued = await Eventually.UntilAsync(() => RunAsync(run.Str("id")), r => r.Str("status") != "running",
            "the lost attempt to be queued again", TimeSpan.FromSeconds(60));
        Assert.That(queued.Str("status"), Is.EqualTo("queued"));
        Assert.That(queued.Str("statusReason"), Does.Contain("Runner retry-first silent since").And.Contain("Attempt 1 lost; queued again (retry 1 of 1)"));
        Assert.That(queued.TryGetProperty("runnerId", out var noRunner) ? noRunner.ValueKind : JsonValueKind.Null, Is.EqualTo(JsonValueKind.Null));
        var attempts = new RunAttemptStore(Stack.Database.DataSource);
        Assert.That(() => attempts.FinishAsync(runId, firstAttempt, new RunCompletion { Status = RunStatus.Succeeded }, CancellationToken.None),
            Throws.InstanceOf<StaleAttemptException>(), "the cut-off attempt cannot report");

        _inProcessRunners.Add(await Stack.StartRunnerAsync("retry-second", FleetTesting.RunnerSettings(Stack)));
        await UntilOnlineAsync("retry-second");

        var done = await Client.WaitForRunEndAsync(run.Str("id"), TimeSpan.FromSeconds(90));
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(done.GetProperty("attempt").GetInt32(), Is.EqualTo(2), "the attempt number shows the retry");
        Assert.That(done.Str("runnerId"), Is.EqualTo("retry-second"));
        Assert.That(await Stack.Database.ScalarAsync<int>("SELECT lost_retries FROM runs WHERE id = @runId", new { runId }), Is.EqualTo(1));
        Assert.That(await OutboxRowsAsync(run.Str("id")), Is.EqualTo(2), "the trigger's message and exactly one retry");
        Assert.That(() => attempts.FinishAsync(runId, firstAttempt, new RunCompletion { Status = RunStatus.Failed, ExitCode = 1 }, CancellationToken.None),
            Throws.InstanceOf<StaleAttemptException>());
        Assert.That((await RunAsync(run.Str("id"))).Str("status"), Is.EqualTo("succeeded"), "the stale write changed nothing");
    }

    [Test]
    public async Task When_the_retried_attempt_is_lost_too_Should_end_lost_without_a_third_attempt()
    {
        await SaveRetryingJobAsync("retried-once", onLost: 1, "sleep 60");
        var first = await StartRunnerAsync("lose-1");
        var run = await Client.TriggerAsync("retried-once");
        await UntilAttemptRunsAsync(run.Str("id"), attempt: 1, "lose-1");
        await first.KillAsync();
        await Eventually.UntilAsync(() => RunAsync(run.Str("id")), r => r.Str("status") == "queued", "the first loss to queue a retry", TimeSpan.FromSeconds(60));

        var second = await StartRunnerAsync("lose-2");
        await UntilAttemptRunsAsync(run.Str("id"), attempt: 2, "lose-2");
        await second.KillAsync();

        var ended = await Eventually.UntilAsync(() => RunAsync(run.Str("id")), r => r.Str("status") is not ("running" or "queued"),
            "the second loss to end the run", TimeSpan.FromSeconds(60));
        Assert.That(ended.Str("status"), Is.EqualTo("lost"));
        Assert.That(ended.GetProperty("attempt").GetInt32(), Is.EqualTo(2));
        Assert.That(ended.Str("statusReason"), Does.Contain("Runner lose-2 silent since").And.Contain("used up"));
        Assert.That(await OutboxRowsAsync(run.Str("id")), Is.EqualTo(2), "no message for a third attempt");
    }
}
