using Dapper;
using Narwhal.Core.Persistence;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Api.Runs;

/// <summary>
/// The steps of runs as the Api shows them: a pipeline's steps (run_steps joined with the runs rows executing them)
/// in position order, each in one query; a run without steps as its one step <c>main</c>, without a query.
/// </summary>
public sealed class RunStepStore(NpgsqlDataSource db)
{
    private sealed class StepPart
    {
        public string StepKey { get; set; } = "";
        public int Position { get; set; }
        public int StepAttempt { get; set; }
        public string[] Needs { get; set; } = [];
        public string RunWhen { get; set; } = "";
        public bool AllowFailure { get; set; }
        public DateTime? SupersededAt { get; set; }
        public string? Matrix { get; set; }
        public string? Block { get; set; }
        public DateTime? ApprovalRequestedAt { get; set; }
        public string? Decision { get; set; }
        public string? DecidedBy { get; set; }
        public DateTime? DecidedAt { get; set; }
        public string? DecisionInputs { get; set; }
    }

    // The step's columns first and none named id: Dapper splits the row at the runs row's id.
    private static string Select(string where) => $"""
        SELECT st.step_key, st.position, st.step_attempt, st.needs, st.run_when, st.allow_failure, st.superseded_at, st.matrix,
               st.block, st.approval_requested_at, st.decision, st.decided_by, st.decided_at, st.decision_inputs, r.*
        FROM (SELECT run_id, key AS step_key, position, step_attempt, needs, run_when, allow_failure, superseded_at, matrix::text AS matrix,
                     block::text AS block, approval_requested_at, decision, decided_by, decided_at, decision_inputs::text AS decision_inputs
              FROM run_steps WHERE {where}) st
        CROSS JOIN LATERAL (SELECT {RunRow.Columns} FROM runs WHERE runs.id = st.run_id) r
        """;

    /// <summary>The run's current steps (superseded attempts left out) in position order.</summary>
    public async Task<IReadOnlyList<RunStep>> CurrentAsync(Run run, CancellationToken ct)
    {
        if (!run.Pipeline) return [RunStep.MainOf(run)];
        await using var connection = await db.OpenConnectionAsync(ct);
        return await CurrentInAsync(connection, null, run.Id, ct);
    }

    /// <summary>A pipeline's current steps on the caller's connection (and transaction), in position order.</summary>
    internal static async Task<IReadOnlyList<RunStep>> CurrentInAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid parentId, CancellationToken ct)
    {
        var steps = await connection.QueryAsync<StepPart, RunRow, RunStep>(new CommandDefinition(
            Select("parent_run_id = @parentId AND superseded_at IS NULL") + " ORDER BY st.position",
            new { parentId }, tx, cancellationToken: ct), ToStep, splitOn: "id");
        return steps.ToList();
    }

    /// <summary>
    /// The step <paramref name="key"/> of the run: its current attempt, or attempt <paramref name="attempt"/> (a retry
    /// keeps the attempts it replaced). Null when the run has no such step or attempt.
    /// </summary>
    public async Task<RunStep?> FindAsync(Run run, string key, int? attempt, CancellationToken ct)
    {
        if (!run.Pipeline)
            return key == PipelineLimits.SingleStepKey && (attempt is null || attempt == run.Attempt) ? RunStep.MainOf(run) : null;
        await using var connection = await db.OpenConnectionAsync(ct);
        var steps = await connection.QueryAsync<StepPart, RunRow, RunStep>(new CommandDefinition(
            Select("parent_run_id = @parentId AND key = @key AND (@attempt::int IS NULL AND superseded_at IS NULL OR step_attempt = @attempt)")
            + " ORDER BY st.superseded_at DESC NULLS FIRST LIMIT 1",
            new { parentId = run.Id, key, attempt }, cancellationToken: ct), ToStep, splitOn: "id");
        return steps.SingleOrDefault();
    }

    /// <summary>Where the JUnit summaries of a pipeline's current steps are stored, by step key, in position order.</summary>
    public async Task<IReadOnlyList<(string Key, string SummaryKey)>> JunitSummaryKeysAsync(Guid parentId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var keys = await connection.QueryAsync<(string Key, string SummaryKey)>(new CommandDefinition("""
            SELECT s.key, r.junit_summary_key
            FROM run_steps s JOIN runs r ON r.id = s.run_id
            WHERE s.parent_run_id = @parentId AND s.superseded_at IS NULL AND r.junit_summary_key IS NOT NULL
            ORDER BY s.position
            """, new { parentId }, cancellationToken: ct));
        return keys.ToList();
    }

    private static RunStep ToStep(StepPart step, RunRow row) => new()
    {
        Key = step.StepKey,
        Row = row.ToRun(),
        Position = step.Position,
        Attempt = step.StepAttempt,
        Needs = step.Needs,
        When = StepWhenNames.TryParse(step.RunWhen, out var when) ? when : throw new FormatException($"'{step.RunWhen}' is not a step's when"),
        AllowFailure = step.AllowFailure,
        SupersededAt = Utc(step.SupersededAt),
        Gate = step.Block is null ? null : new StepGate(Json.Deserialize<BlockSpec>(step.Block), Utc(step.ApprovalRequestedAt),
            step.Decision is null ? null : new GateDecision(BlockDecisionNames.Parse(step.Decision), step.DecidedBy ?? "", Utc(step.DecidedAt)!.Value,
                step.DecisionInputs is null ? new Dictionary<string, string>() : Json.Deserialize<Dictionary<string, string>>(step.DecisionInputs))),
        Matrix = step.Matrix is { } matrix ? Json.Deserialize<StepInstance>(matrix) : null,
    };

    private static DateTimeOffset? Utc(DateTime? at) => at is { } value ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)) : null;
}
