using System.Net.Http.Json;
using Dapper;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests.Fleet;

/// <summary>
/// Pipelines keep Narwhal's promise when its processes die with SIGKILL (real processes, real services): the Api or
/// the Dispatcher killed while a pipeline's steps run and finish, a Runner killed in the middle of recording a plan
/// or right after. The run completes once, every step executes exactly once — counted from the Docker engine's
/// start events, not from Narwhal's records — and a plan is recorded whole or not at all.
/// </summary>
[TestFixture]
public sealed class PipelineKills_Specs() : StackFixture(startApi: false)
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(240);
    private static readonly string[] Middle = [.. Enumerable.Range(1, 8).Select(i => $"mid-{i}")];
    private static readonly string[] Wide = ["start", .. Middle, "end"];
    private static readonly string[] Diamond = ["build", "test-a", "test-b", "package"];

    private readonly List<AppProcess> _processes = [];
    private readonly Stack<RunnerProcess> _testRunners = new();
    private Dictionary<string, string?> _apiSettings = null!;
    private Dictionary<string, string?> _dispatcherSettings = null!;
    private AppProcess _api = null!;
    private AppProcess _dispatcher = null!;
    private HttpClient _client = null!;
    private DockerStarts _starts = null!;

    /// <summary>The Api and the Dispatcher as processes, and three Runner processes of class small with two slots each.</summary>
    [OneTimeSetUp]
    public async Task Start()
    {
        _starts = DockerStarts.Open(Stack.Instance);
        _apiSettings = StackProcesses.ApiSettings(Stack);
        // Offline after 15 s rather than the fleet specs' 5: these specs are not about how soon a dead Runner is
        // noticed, and on a very loaded machine a Runner slow to list a run it has just claimed in its heartbeats
        // can be judged to have forgotten it within 5 s (the step is then tried again, which these specs count).
        _dispatcherSettings = StackProcesses.DispatcherSettings(Stack,
            FleetTesting.DispatcherSettings(new Dictionary<string, string?> { ["NARWHAL_RUNNER_OFFLINE_SECONDS"] = "15" }));
        // One at a time: five .NET processes starting at once on a loaded 2-core machine each take minutes.
        _api = await StackProcesses.StartApiAsync(_apiSettings);
        _processes.Add(_api);
        _client = StackProcesses.Client(_api);
        _dispatcher = await StackProcesses.StartDispatcherAsync(_dispatcherSettings);
        _processes.Add(_dispatcher);
        for (var i = 1; i <= 3; i++) _processes.Add(await StartRunnerAsync($"steps-{i}", "small", slots: 2));
    }

    [TearDown]
    public async Task StopTestRunners()
    {
        var failed = TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed;
        while (_testRunners.TryPop(out var runner))
        {
            await runner.DisposeAsync();
            if (failed) await TestContext.Out.WriteLineAsync($"--- {runner.Description}:\n{runner.Output}");
        }
        if (failed) await TestContext.Out.WriteLineAsync($"--- the Dispatcher:\n{_dispatcher.Output}");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client?.Dispose();
        foreach (var process in Enumerable.Reverse(_processes)) await process.DisposeAsync();
        if (_starts is not null) await _starts.DisposeAsync();
        await FleetTesting.RemoveContainersAsync(Stack);
    }

    private async Task<RunnerProcess> StartRunnerAsync(string runnerId, string classes, int slots)
    {
        var slotCount = slots.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var runner = RunnerProcess.Start(runnerId, FleetTesting.RunnerSettings(Stack, new Dictionary<string, string?>
        {
            ["NARWHAL_RUNNER_CLASSES"] = classes,
            ["NARWHAL_RUNNER_SLOTS"] = slotCount,
            ["NARWHAL_RUNNER_QUOTA_CPU"] = slotCount,
            ["NARWHAL_LOG_LEVEL"] = "information",
        }));
        try
        {
            await runner.WaitReadyAsync(TimeSpan.FromSeconds(240));
            await Eventually.UntilAsync(() => FleetTesting.RunnerAsync(Stack, runnerId), r => r?.State == Narwhal.Core.Fleet.RunnerState.Online,
                $"{runnerId} to be online");
            return runner;
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
    }

    /// <summary>A Runner for one test only (stopped after it).</summary>
    private async Task<RunnerProcess> StartTestRunnerAsync(string runnerId, string classes)
    {
        var runner = await StartRunnerAsync(runnerId, classes, slots: 1);
        _testRunners.Push(runner);
        return runner;
    }

    /// <summary>start → mid-1 … mid-8 (each <c>sleep 2</c>, in parallel) → end: the fan-in is released by the last middle step's end.</summary>
    private async Task<Guid> TriggerWideAsync(string job)
    {
        var steps = new Dictionary<string, object> { ["start"] = new { script = new[] { "echo start" } } };
        foreach (var key in Middle) steps[key] = new { needs = new[] { "start" }, script = new[] { $"echo {key}", "sleep 2" } };
        steps["end"] = new { needs = Middle, script = new[] { "echo end" } };
        await PutJobAsync(job, new { type = "freestyle", image = TestEnvironment.BusyboxImage, steps });
        return Guid.Parse((await _client.TriggerAsync(job)).Str("id"));
    }

    /// <summary>
    /// A diamond planned by a Runner of class large (the run's class), its steps executed by the small Runners; the
    /// run is tried again when its Runner is lost (so a plan lost with its planner is made again). More than once: on a
    /// very loaded machine the Dispatcher may also take a Runner that is slow to list a run it just claimed for a dead one.
    /// </summary>
    private async Task<Guid> TriggerDiamondAsync(string job)
    {
        var steps = new Dictionary<string, object>
        {
            ["build"] = new { resourceClass = "small", script = new[] { "echo build" } },
            ["test-a"] = new { resourceClass = "small", needs = new[] { "build" }, script = new[] { "sleep 1" } },
            ["test-b"] = new { resourceClass = "small", needs = new[] { "build" }, script = new[] { "sleep 1" } },
            ["package"] = new { resourceClass = "small", needs = new[] { "test-a", "test-b" }, script = new[] { "echo package" } },
        };
        await PutJobAsync(job, new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage, resourceClass = "large", retry = new { onLost = 3 }, steps,
        });
        return Guid.Parse((await _client.TriggerAsync(job)).Str("id"));
    }

    private async Task PutJobAsync(string job, object body)
    {
        using var put = await _client.PutAsJsonAsync($"/jobs/{job}", body, Json.Options);
        Assert.That(put.IsSuccessStatusCode, Is.True, await put.Content.ReadAsStringAsync());
    }

    /// <summary>Until a container of one of the middle steps has started (the engine's events, since <paramref name="since"/>).</summary>
    private Task UntilMiddleStepsStartAsync(Guid runId, DateTimeOffset since) =>
        Eventually.UntilAsync(() => Task.FromResult(_starts.PerStep(runId, since).Keys.Any(k => Middle.Contains(k))),
            $"a middle step of run {runId} to start", TimeSpan.FromSeconds(150));

    private Task<long> CountAsync(string sql, object args) => Stack.Database.ScalarAsync<long>(sql, args);

    /// <summary>
    /// What the restarted process must do right: the run succeeded once, with one row per step, each executed once
    /// (one container start), none tried again (attempt 1, step attempt 1), each released once (one ExecuteRun row).
    /// </summary>
    private async Task AssertCompletedOnceAsync(Guid runId, DateTimeOffset since, IReadOnlyList<string> keys)
    {
        var run = await _client.WaitForRunEndAsync(runId.ToString(), RunLimit);
        var id = runId;
        var succeeded = RunStatus.Succeeded.Name();
        Assert.That(run.Str("status"), Is.EqualTo(succeeded), run.ToString());
        var starts = await StartsPerStepAsync(runId, since, keys.Count);
        var releases = (await QueryAsync<(string Key, long Rows)>("""
            SELECT s.key, count(o.id)
            FROM run_steps s LEFT JOIN outbox o ON o.run_id = s.run_id AND o.message_type = 'ExecuteRun'
            WHERE s.parent_run_id = @id GROUP BY s.key
            """, new { id })).ToDictionary(r => r.Key, r => r.Rows);
        Assert.Multiple(async () =>
        {
            Assert.That(run.GetProperty("steps").EnumerateArray().Select(s => s.Str("status")), Is.All.EqualTo(succeeded));
            Assert.That(starts, Is.EquivalentTo(keys.ToDictionary(k => k, _ => 1)), "every step's container started exactly once");
            Assert.That(await CountAsync("SELECT count(*) FROM runs WHERE parent_run_id = @id", new { id }), Is.EqualTo(keys.Count),
                "one row per step: no step recorded twice");
            Assert.That(await CountAsync("SELECT count(*) FROM runs WHERE parent_run_id = @id AND attempt > 1", new { id }), Is.Zero,
                "no step row tried again");
            Assert.That(await CountAsync("SELECT count(*) FROM run_steps WHERE parent_run_id = @id AND step_attempt > 1", new { id }), Is.Zero);
            Assert.That(releases, Is.EquivalentTo(keys.ToDictionary(k => k, _ => 1L)), "one ExecuteRun outbox row per step");
        });
    }

    /// <summary>The container starts per step of the run; the engine's events of the last ones may trail the run's end by a moment.</summary>
    private async Task<Dictionary<string, int>> StartsPerStepAsync(Guid runId, DateTimeOffset since, int steps)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var starts = _starts.PerStep(runId, since);
        while (starts.Count < steps && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
            starts = _starts.PerStep(runId, since);
        }
        return starts;
    }

    private async Task<IEnumerable<T>> QueryAsync<T>(string sql, object args)
    {
        await using var connection = await Stack.Database.DataSource.OpenConnectionAsync();
        return await connection.QueryAsync<T>(sql, args);
    }

    [Test]
    public async Task When_the_api_is_killed_while_steps_finish_Should_publish_their_releases_at_its_restart_and_run_every_step_once()
    {
        var since = DateTimeOffset.UtcNow;
        var runId = await TriggerWideAsync("wide-api-kill");
        await UntilMiddleStepsStartAsync(runId, since);

        await _api.KillAsync();

        // The Api publishes what the database releases. Dead, it leaves the releases of the steps that ended meanwhile
        // (the fan-in's, at least) in the outbox: until nothing runs and every queued step waits for its message.
        var (queued, running) = (RunStatus.Queued.Name(), RunStatus.Running.Name());
        var pending = await Eventually.UntilAsync(async () => (
                Moving: await CountAsync("""
                    SELECT count(*) FROM runs r WHERE r.parent_run_id = @runId AND (r.status = @running OR (r.status = @queued
                        AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.run_id = r.id AND o.published_at IS NULL)))
                    """, new { runId, queued, running }),
                Unpublished: await CountAsync("""
                    SELECT count(*) FROM outbox o JOIN runs r ON r.id = o.run_id
                    WHERE r.parent_run_id = @runId AND r.status = @queued AND o.published_at IS NULL
                    """, new { runId, queued })),
            s => s.Moving == 0 && s.Unpublished > 0, "the pipeline to wait for the dead Api's publishing", RunLimit);
        Assert.That(await CountAsync("SELECT count(*) FROM runs WHERE parent_run_id = @runId AND status = @waiting",
            new { runId, waiting = RunStatus.Waiting.Name() }), Is.Zero, $"{pending.Unpublished} step(s) released while the Api was dead");

        _api = await StackProcesses.RestartAsync(_api, _apiSettings);
        _processes.Add(_api);
        _client.Dispose();
        _client = StackProcesses.Client(_api);

        await AssertCompletedOnceAsync(runId, since, Wide);
    }

    [Test]
    public async Task When_the_dispatcher_is_killed_while_steps_finish_Should_complete_the_pipeline_once_with_every_step_run_once()
    {
        var since = DateTimeOffset.UtcNow;
        var runId = await TriggerWideAsync("wide-dispatcher-kill");
        await UntilMiddleStepsStartAsync(runId, since);
        var succeeded = RunStatus.Succeeded.Name();
        var endedBefore = await CountAsync("SELECT count(*) FROM runs WHERE parent_run_id = @runId AND status = @succeeded", new { runId, succeeded });

        await _dispatcher.KillAsync();

        // Steps end and release their dependents while no Dispatcher is there: the database advances the pipeline.
        await Eventually.UntilAsync(() => CountAsync("SELECT count(*) FROM runs WHERE parent_run_id = @runId AND status = @succeeded", new { runId, succeeded }),
            n => n > endedBefore, "a step to end while the Dispatcher is dead", RunLimit);
        _dispatcher = await StackProcesses.RestartAsync(_dispatcher, _dispatcherSettings);
        _processes.Add(_dispatcher);

        await AssertCompletedOnceAsync(runId, since, Wide);
        Assert.That(await CountAsync("SELECT count(*) FROM runners WHERE offline_at IS NOT NULL AND id LIKE 'steps-%'", new { }), Is.Zero,
            "the restarted Dispatcher judged no live Runner silent");
    }

    [Test]
    public async Task When_a_runner_is_killed_in_the_middle_of_recording_a_plan_Should_leave_nothing_of_it_and_record_it_once_at_the_retry()
    {
        var since = DateTimeOffset.UtcNow;
        var planner = await StartTestRunnerAsync("planner-killed", "large");
        // Hold every write to run_steps: the planner's transaction stops at its first step, half the plan written.
        await using var blocker = await Stack.Database.DataSource.OpenConnectionAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync("LOCK TABLE run_steps IN SHARE MODE", transaction: hold);
        var runId = await TriggerDiamondAsync("diamond-mid-plan");
        await Eventually.UntilAsync(() => CountAsync("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO run_steps%'
                """, new { }), n => n == 1, "the planner to be in the middle of recording the plan");
        var killedAttempt = await Stack.Database.ScalarAsync<int>("SELECT attempt FROM runs WHERE id = @runId", new { runId });
        Assert.Multiple(async () =>
        {
            Assert.That(await Stack.Database.ScalarAsync<string>("SELECT runner_id FROM runs WHERE id = @runId", new { runId }), Is.EqualTo("planner-killed"));
            Assert.That(await Stack.Database.ScalarAsync<bool>("SELECT pipeline FROM runs WHERE id = @runId", new { runId }), Is.False,
                "the half-written plan is not visible");
            Assert.That(await CountAsync("SELECT count(*) FROM runs WHERE parent_run_id = @runId", new { runId }), Is.Zero);
        });

        await planner.KillAsync();
        // The dead Runner's statement goes on and its transaction is then aborted: its client is gone, no commit ever comes.
        await hold.RollbackAsync();
        await StartTestRunnerAsync("planner-retry", "large");

        await AssertCompletedOnceAsync(runId, since, Diamond);
        var attempt = await Stack.Database.ScalarAsync<int>("SELECT attempt FROM runs WHERE id = @runId", new { runId });
        Assert.Multiple(async () =>
        {
            Assert.That(attempt, Is.GreaterThan(killedAttempt), "lost with its planner, tried again");
            Assert.That(await CountAsync("SELECT count(*) FROM outbox WHERE run_id = @runId", new { runId }), Is.EqualTo(attempt),
                "the trigger's message and one per retry");
            Assert.That(await CountAsync("SELECT count(*) FROM run_steps WHERE parent_run_id = @runId", new { runId }), Is.EqualTo(Diamond.Length),
                "nothing of the first plan remains");
        });
    }

    [Test]
    public async Task When_a_runner_is_killed_right_after_recording_a_plan_Should_not_plan_it_again_and_complete_it_once()
    {
        var since = DateTimeOffset.UtcNow;
        var planner = await StartTestRunnerAsync("planner-done", "large");
        var runId = await TriggerDiamondAsync("diamond-after-plan");
        await Eventually.UntilAsync(() => Stack.Database.ScalarAsync<bool>("SELECT pipeline FROM runs WHERE id = @runId", new { runId }),
            "the plan to be recorded", TimeSpan.FromSeconds(120));
        var plannedAttempt = await Stack.Database.ScalarAsync<int>("SELECT attempt FROM runs WHERE id = @runId", new { runId });

        // Likely before the Runner acknowledged the run's message: it is delivered again, to the other planner.
        await planner.KillAsync();
        await StartTestRunnerAsync("planner-redelivered", "large");

        await AssertCompletedOnceAsync(runId, since, Diamond);
        Assert.Multiple(async () =>
        {
            Assert.That(await Stack.Database.ScalarAsync<int>("SELECT attempt FROM runs WHERE id = @runId", new { runId }), Is.EqualTo(plannedAttempt),
                "a recorded pipeline has no Runner to lose: it was never tried again, nor claimed by the other planner");
            Assert.That(await CountAsync("SELECT count(*) FROM outbox WHERE run_id = @runId", new { runId }), Is.EqualTo(plannedAttempt),
                "the trigger's message, and one per retry before the plan only");
        });
    }
}
