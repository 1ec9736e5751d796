using System.Security.Claims;
using Dapper;
using Narwhal.Api.Auth;
using Narwhal.Api.Validation;
using Narwhal.Core.Persistence;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Api.Runs;

public enum GateDecisionOutcome
{
    /// <summary>Recorded: the gate ended and the pipeline advanced in the same transaction.</summary>
    Decided,
    RunNotFound,
    StepNotFound,
    /// <summary>The step has no <c>block</c>.</summary>
    NotAGate,
    /// <summary>The token is not among the gate's approvers.</summary>
    NotAllowed,
    /// <summary>The gate waits for its needs, or was decided, skipped or aborted.</summary>
    NotAwaiting,
    /// <summary>The approval's fields do not fit the gate's (<see cref="GateDecisionResult.Errors"/>).</summary>
    InvalidInputs,
}

/// <param name="Step">The gate (after the decision when decided).</param>
/// <param name="Steps">The run's current steps, after the decision.</param>
public sealed record GateDecisionResult(GateDecisionOutcome Outcome, Run? Run = null, RunStep? Step = null,
    IReadOnlyList<RunStep>? Steps = null, ValidationErrors? Errors = null);

/// <summary>
/// Approves or rejects an approval gate in one transaction: the run's row is locked first, then the gate's (a waiting
/// row is only ever changed under its run's lock: migrations/0015_approvals.sql), so two decisions of one gate
/// serialise and the second finds it decided. The gate ends succeeded (approved) or failed ("Rejected by NAME."), its
/// decision is recorded, and the trigger of migration 0012 advances the pipeline before commit.
/// </summary>
public sealed class GateDecisionStore(NpgsqlDataSource db)
{
    /// <param name="fields">The approval's inputs; ignored for a rejection.</param>
    public async Task<GateDecisionResult> DecideAsync(Guid runId, string key, BlockDecision decision,
        IReadOnlyDictionary<string, string?>? fields, ClaimsPrincipal user, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var run = (await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = @runId AND parent_run_id IS NULL FOR UPDATE",
            new { runId }, tx, cancellationToken: ct)))?.ToRun();
        if (run is null) return new GateDecisionResult(GateDecisionOutcome.RunNotFound);
        var steps = run.Pipeline ? await RunStepStore.CurrentInAsync(connection, tx, runId, ct) : [RunStep.MainOf(run)];
        var step = steps.FirstOrDefault(s => s.Key == key);
        if (step is null) return new GateDecisionResult(GateDecisionOutcome.StepNotFound, run, Steps: steps);
        if (step.Gate is not { } gate) return new GateDecisionResult(GateDecisionOutcome.NotAGate, run, step, steps);
        if (!GateApprovers.MayDecide(user, gate.Spec)) return new GateDecisionResult(GateDecisionOutcome.NotAllowed, run, step, steps);
        if (!gate.AwaitsDecision || step.Row.Status != RunStatusTransitions.DecidedFrom)
            return new GateDecisionResult(GateDecisionOutcome.NotAwaiting, run, step, steps);

        IReadOnlyDictionary<string, string> inputs = new Dictionary<string, string>();
        if (decision == BlockDecision.Approved)
        {
            var errors = new ValidationErrors();
            if (GateInputs.Resolve(gate.Spec, fields, errors) is not { } resolved)
                return new GateDecisionResult(GateDecisionOutcome.InvalidInputs, run, step, steps, errors);
            inputs = resolved;
        }

        var by = user.TokenName();
        // The gate's row, after its run's: nothing else changes it meanwhile, the lock keeps it so until commit.
        await connection.ExecuteAsync(new CommandDefinition("""
            SELECT 1 FROM runs WHERE id = @id FOR UPDATE;
            UPDATE run_steps SET decision = @decision, decided_by = @by, decided_by_token_id = @tokenId, decided_at = now(),
                decision_inputs = @inputs::jsonb
            WHERE run_id = @id;
            UPDATE runs SET status = @status, status_reason = @reason, started_at = now(), finished_at = now(), updated_at = now()
            WHERE id = @id AND status = @waiting;
            """, new
        {
            id = step.Row.Id, decision = decision.Name(), by, tokenId = TokenId(user), inputs = Json.Serialize(inputs),
            status = StatusOf(decision).Name(), waiting = RunStatusTransitions.DecidedFrom.Name(),
            reason = decision == BlockDecision.Rejected ? $"Rejected by {by}." : null,
        }, tx, cancellationToken: ct));

        var after = (await connection.QuerySingleAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunRow.Columns} FROM runs WHERE id = @runId", new { runId }, tx, cancellationToken: ct))).ToRun();
        var now = await RunStepStore.CurrentInAsync(connection, tx, runId, ct);
        await tx.CommitAsync(ct);
        return new GateDecisionResult(GateDecisionOutcome.Decided, after, now.First(s => s.Key == key), now);
    }

    /// <summary>The status a decision ends its gate with.</summary>
    public static RunStatus StatusOf(BlockDecision decision) => decision switch
    {
        BlockDecision.Approved => RunStatus.Succeeded,
        BlockDecision.Rejected => RunStatus.Failed,
        _ => RunStatus.TimedOut,
    };

    private static Guid? TokenId(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(BearerTokenHandler.TokenIdClaim), out var id) ? id : null;
}
