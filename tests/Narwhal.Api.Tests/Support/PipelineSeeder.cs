using Dapper;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Api.Tests.Support;

/// <summary>A step of a seeded plan: its key, needs, when and allowFailure (the graph; nothing of it is executed).</summary>
/// <param name="Block">An approval gate's run_steps.block (BlockSpec JSON), or null.</param>
internal sealed record SeedStep(string Key, string[]? Needs = null, string When = "success", bool AllowFailure = false, string? Block = null)
{
    public static SeedStep Step(string key, params string[] needs) => new(key, needs);
}

/// <summary>
/// Plays the Runner's parts of a pipeline straight in the database, as the Api specs have no Runner: records the plan
/// of a queued run (the run becomes a running pipeline, its steps waiting children with run_steps rows, and the
/// database releases the ready ones), starts and ends steps. Every status write goes through the same triggers as a
/// Runner's, so the database advances the pipeline as it would.
/// </summary>
internal sealed class PipelineSeeder(NpgsqlDataSource db)
{
    /// <summary>What a Runner would execute (its own shape, read back when a step is claimed); nothing executes it here.</summary>
    private static readonly string Definition = $$"""{ "image": "{{TestEnvironment.BusyboxImage}}", "script": ["true"] }""";

    /// <summary>A freestyle job of its own, a run of it triggered through the Api, and that run planned as these steps.</summary>
    public async Task<Guid> PlannedRunAsync(HttpClient client, string job, params SeedStep[] steps)
    {
        await client.CreateJobAsync(job, JobRequests.Freestyle());
        var id = Guid.Parse((await client.TriggerAsync(job)).Str("id"));
        await PlanAsync(id, steps);
        return id;
    }

    /// <summary>Records the plan of the queued run <paramref name="runId"/>, as a Runner does once it read the config.</summary>
    public async Task PlanAsync(Guid runId, IReadOnlyList<SeedStep> steps, bool failFast = false)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var planned = await connection.ExecuteAsync("""
            UPDATE runs SET status = @running, pipeline = true, fail_fast = @failFast, attempt = attempt + 1,
                attempt_id = gen_random_uuid(), runner_id = NULL, started_at = now(), updated_at = now()
            WHERE id = @runId AND status = @queued
            """, new { runId, failFast, running = RunStatus.Running.Name(), queued = RunStatus.Queued.Name() }, tx);
        if (planned != 1) throw new InvalidOperationException($"Run {runId} is not queued: it cannot be planned.");
        for (var position = 0; position < steps.Count; position++)
        {
            var step = steps[position];
            var child = Guid.CreateVersion7();
            await connection.ExecuteAsync("""
                INSERT INTO runs (id, job_id, job_name, number, status, resource_class, commit_sha, branch, parameters, trigger, parent_run_id)
                SELECT @child, job_id, job_name, number, @waiting, resource_class, commit_sha, branch, parameters, trigger, id
                FROM runs WHERE id = @runId;
                INSERT INTO run_steps (run_id, parent_run_id, key, position, needs, artifacts_from, run_when, allow_failure, definition, block)
                VALUES (@child, @runId, @Key, @position, @needs, @needs, @When, @AllowFailure, @definition::jsonb, @Block::jsonb);
                """, new
            {
                child, runId, step.Key, position, needs = step.Needs ?? [], step.When, step.AllowFailure, step.Block, waiting = RunStatus.Waiting.Name(),
                definition = Definition,
            }, tx);
        }
        await connection.ExecuteAsync("SELECT narwhal_advance_pipeline(@runId)", new { runId }, tx);
        await tx.CommitAsync();
    }

    /// <summary>The runs row of the step's current attempt.</summary>
    public async Task<Guid> StepRowAsync(Guid runId, string key)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleAsync<Guid>(
            "SELECT run_id FROM run_steps WHERE parent_run_id = @runId AND key = @key AND superseded_at IS NULL", new { runId, key });
    }

    public async Task<RunStatus> StepStatusAsync(Guid runId, string key)
    {
        await using var connection = await db.OpenConnectionAsync();
        return RunStatusNames.Parse(await connection.QuerySingleAsync<string>("""
            SELECT r.status FROM run_steps s JOIN runs r ON r.id = s.run_id
            WHERE s.parent_run_id = @runId AND s.key = @key AND s.superseded_at IS NULL
            """, new { runId, key }));
    }

    /// <summary>Claims the step's queued attempt, as a Runner does.</summary>
    public async Task StartAsync(Guid runId, string key)
    {
        var row = await StepRowAsync(runId, key);
        await using var connection = await db.OpenConnectionAsync();
        var started = await connection.ExecuteAsync("""
            UPDATE runs SET status = @running, attempt = attempt + 1, attempt_id = gen_random_uuid(), runner_id = 'seeded-runner',
                started_at = now(), updated_at = now()
            WHERE id = @row AND status = @queued
            """, new { row, running = RunStatus.Running.Name(), queued = RunStatus.Queued.Name() });
        if (started != 1) throw new InvalidOperationException($"Step '{key}' of run {runId} is not queued: it cannot be started.");
    }

    /// <summary>Ends the step's running attempt (starting it first when it is queued), as a Runner's fenced finish does.</summary>
    public async Task FinishAsync(Guid runId, string key, RunStatus status, int? exitCode = null)
    {
        if (await StepStatusAsync(runId, key) == RunStatus.Queued) await StartAsync(runId, key);
        var row = await StepRowAsync(runId, key);
        await using var connection = await db.OpenConnectionAsync();
        var ended = await connection.ExecuteAsync("""
            UPDATE runs SET status = @status, exit_code = @exitCode, status_reason = @reason, finished_at = now(), updated_at = now()
            WHERE id = @row AND status = @running
            """, new
        {
            row, status = status.Name(), exitCode = exitCode ?? (status == RunStatus.Succeeded ? 0 : status == RunStatus.Failed ? 1 : null),
            reason = status == RunStatus.Succeeded ? null : $"seeded {status.Name()}", running = RunStatus.Running.Name(),
        });
        if (ended != 1) throw new InvalidOperationException($"Step '{key}' of run {runId} is not running: it cannot end.");
    }
}
