using Dapper;
using Narwhal.Core.Jobs;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using Narwhal.Testing;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>A step as a plan records it (one child runs row and one run_steps row).</summary>
public sealed record PlannedStep(string Key, params string[] Needs)
{
    public StepWhen When { get; init; } = StepWhen.Success;
    public bool AllowFailure { get; init; }
    public string? ConcurrencyGroup { get; init; }
    public int? Concurrency { get; init; }
    public int? RetryOnLost { get; init; }
    /// <summary>An approval gate's run_steps.block (BlockSpec JSON): never queued, it waits for a decision.</summary>
    public string? Block { get; init; }
}

/// <summary>
/// A pipeline written straight into the database the way a Runner records a plan: a real run, claimed,
/// turned into a pipeline (no Runner), its steps inserted waiting, then advanced, in one transaction.
/// Steps are then claimed and ended through the Runner's own store, so every status change takes the
/// path production takes.
/// </summary>
public sealed class PipelineRows
{
    private readonly TestDatabase _db;
    private readonly RunAttemptStore _attempts;
    private readonly Dictionary<string, Guid> _attemptIds = new(StringComparer.Ordinal);

    private PipelineRows(TestDatabase db, Guid jobId, Guid parentId, int number, IReadOnlyDictionary<string, Guid> steps)
    {
        _db = db;
        _attempts = new RunAttemptStore(db.DataSource);
        JobId = jobId;
        ParentId = parentId;
        Number = number;
        Steps = steps;
    }

    public Guid JobId { get; }
    public Guid ParentId { get; }
    public int Number { get; }
    public IReadOnlyDictionary<string, Guid> Steps { get; }
    public Guid this[string key] => Steps[key];

    public static async Task<PipelineRows> PlanAsync(TestDatabase db, string jobName, IReadOnlyList<PlannedStep> steps,
        bool failFast = false, JobSpec? spec = null, string? commitSha = null, bool advance = true)
    {
        var (job, run, _) = await RunSeeder.QueuedRunAsync(db.DataSource, jobName, spec);
        var planner = (await new RunAttemptStore(db.DataSource).ClaimAsync(run.Id, "planner", CancellationToken.None)).Claimed!;
        var ids = steps.ToDictionary(s => s.Key, _ => Guid.CreateVersion7(), StringComparer.Ordinal);

        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var planned = await connection.ExecuteAsync("""
            UPDATE runs SET pipeline = true, runner_id = NULL, fail_fast = @failFast, commit_sha = COALESCE(@commitSha, commit_sha)
            WHERE id = @id AND attempt_id = @attemptId
            """, new { id = run.Id, planner.AttemptId, failFast, commitSha }, tx);
        if (planned != 1) throw new InvalidOperationException("the planner's attempt is not current");

        foreach (var (step, position) in steps.Select((s, i) => (s, i)))
        {
            await connection.ExecuteAsync("""
                INSERT INTO runs (id, job_id, job_name, number, status, resource_class, commit_sha, branch, parameters, trigger,
                                  parent_run_id, concurrency_key)
                SELECT @id, job_id, job_name, number, @waiting, resource_class, commit_sha, branch, parameters, trigger,
                       id, @concurrencyKey
                FROM runs WHERE id = @parent
                """, new
            {
                id = ids[step.Key], parent = run.Id, waiting = RunStatus.Waiting.Name(),
                concurrencyKey = step.ConcurrencyGroup is { } group ? $"group:{group}" : null,
            }, tx);
            await connection.ExecuteAsync("""
                INSERT INTO run_steps (run_id, parent_run_id, key, position, needs, artifacts_from, run_when, allow_failure,
                                       retry_on_lost, concurrency_limit, definition, block)
                VALUES (@id, @parent, @Key, @position, @Needs, @Needs, @When, @AllowFailure, @RetryOnLost, @Concurrency,
                        jsonb_build_object('script', jsonb_build_array('echo ' || @Key)), @Block::jsonb)
                """, new
            {
                id = ids[step.Key], parent = run.Id, step.Key, position, step.Needs, When = step.When.Name(), step.AllowFailure,
                step.RetryOnLost, step.Concurrency, step.Block,
            }, tx);
        }
        if (advance) await connection.ExecuteAsync("SELECT narwhal_advance_pipeline(@parent)", new { parent = run.Id }, tx);
        await tx.CommitAsync();
        return new PipelineRows(db, job.Id, run.Id, run.Number, ids);
    }

    public Task AdvanceAsync() => _db.ExecuteAsync("SELECT narwhal_advance_pipeline(@ParentId)", new { ParentId });

    /// <summary>The Runner's claim of the step; its attempt id is kept for <see cref="FinishAsync"/>.</summary>
    public async Task<ClaimedRun> ClaimAsync(string key)
    {
        var claim = await _attempts.ClaimAsync(this[key], $"runner-{key}", CancellationToken.None);
        var claimed = claim.Claimed ?? throw new InvalidOperationException($"step '{key}' could not be claimed: it is {claim.FoundStatus}");
        _attemptIds[key] = claimed.AttemptId;
        return claimed;
    }

    /// <summary>The Runner's fenced final write of the claimed step.</summary>
    public Task FinishAsync(string key, RunStatus status, int? exitCode = null, string? reason = null) =>
        _attempts.FinishAsync(this[key], _attemptIds[key], new RunCompletion { Status = status, ExitCode = exitCode, Reason = reason },
            CancellationToken.None);

    /// <summary>Claimed, then ended.</summary>
    public async Task RunAsync(string key, RunStatus status, int? exitCode = null, string? reason = null)
    {
        await ClaimAsync(key);
        await FinishAsync(key, status, exitCode ?? (status == RunStatus.Succeeded ? 0 : 1), reason);
    }

    /// <summary>A Runner's claim of the step, left uncommitted: the spec races it while it holds the row.</summary>
    public Task<HeldWrite> ClaimUncommittedAsync(string key) => HoldAsync(key, """
        UPDATE runs SET status = @running, attempt = attempt + 1, attempt_id = @attemptId, runner_id = 'racer', started_at = now()
        WHERE id = @id AND status = @queued
        """);

    /// <summary>The Dispatcher queueing the step again after its Runner was lost, left uncommitted.</summary>
    public Task<HeldWrite> RequeueUncommittedAsync(string key) => HoldAsync(key, """
        UPDATE runs SET status = @queued, attempt_id = NULL, runner_id = NULL, started_at = NULL, lost_retries = lost_retries + 1
        WHERE id = @id AND status = @running
        """);

    private async Task<HeldWrite> HoldAsync(string key, string sql)
    {
        var connection = await _db.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        var held = new HeldWrite(connection, transaction);
        var written = await connection.ExecuteAsync(sql, new
        {
            id = this[key], attemptId = Guid.CreateVersion7(), running = RunStatus.Running.Name(), queued = RunStatus.Queued.Name(),
        }, transaction);
        if (written == 1) return held;
        await held.DisposeAsync();
        throw new InvalidOperationException($"step '{key}' was not in the status the write expects");
    }

    public Task<Run> ParentAsync() => RowAsync(ParentId);

    public Task<Run> StepAsync(string key) => RowAsync(this[key]);

    public async Task<Run> RowAsync(Guid id)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        return (await connection.QuerySingleAsync<RunRow>($"SELECT {RunRow.Columns} FROM runs WHERE id = @id", new { id })).ToRun();
    }

    /// <summary>Each step's status by key, for whole-graph assertions.</summary>
    public async Task<IReadOnlyDictionary<string, RunStatus>> StatusesAsync()
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Key, string Status)>("""
            SELECT s.key, r.status FROM run_steps s JOIN runs r ON r.id = s.run_id
            WHERE s.parent_run_id = @ParentId AND s.superseded_at IS NULL
            """, new { ParentId });
        return rows.ToDictionary(r => r.Key, r => RunStatusNames.Parse(r.Status), StringComparer.Ordinal);
    }

    public Task<long> OutboxRowsAsync(string key) =>
        _db.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE run_id = @id", new { id = this[key] });
}
