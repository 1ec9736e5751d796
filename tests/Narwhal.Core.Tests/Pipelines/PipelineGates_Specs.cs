using System.Security.Claims;
using Narwhal.Api.Auth;
using Narwhal.Api.Runs;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Pipelines;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// Approval gates in the database (migrations/0015): a gate whose needs are met is never queued (no outbox row, so no
/// Runner sees it) and waits for a decision; the run is waiting while only gates wait; a decision ends the gate in the
/// transaction that advances the pipeline; an abort skips a waiting gate; a timeout ends it timed_out.
/// </summary>
[TestFixture]
public sealed class PipelineGates_Specs : PipelineFixture
{
    private const string Gate = """{ "prompt": "Deploy?", "approvers": ["scope:admin"], "fields": [{ "name": "VERSION", "required": true }] }""";

    private static readonly ClaimsPrincipal Admin = Token("admin-token", Scope.Admin);

    private static ClaimsPrincipal Token(string name, params Scope[] scopes)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(BearerTokenHandler.TokenIdClaim, Guid.NewGuid().ToString()) };
        claims.AddRange(Scopes.Effective(scopes).Select(s => new Claim(BearerTokenHandler.ScopeClaim, s.Name())));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "test"));
    }

    private Task<PipelineRows> BuildGateDeployAsync(string gate = Gate) =>
        PlanAsync([new("build"), new("approve", "build") { Block = gate }, new("deploy", "approve"), new("notify", "approve") { When = StepWhen.Always }]);

    private Task<GateDecisionResult> DecideAsync(PipelineRows pipeline, BlockDecision decision, ClaimsPrincipal? user = null,
        Dictionary<string, string?>? fields = null) =>
        new GateDecisionStore(Database.DataSource).DecideAsync(pipeline.ParentId, "approve", decision, fields, user ?? Admin, CancellationToken.None);

    [Test]
    public async Task When_a_gates_needs_are_met_Should_leave_it_waiting_without_a_message_and_the_run_waiting_for_approval()
    {
        var pipeline = await BuildGateDeployAsync();
        Assert.That(await RequestedAtAsync(pipeline), Is.Null, "not requested while build runs");

        await pipeline.RunAsync("build", RunStatus.Succeeded);

        Assert.That((await pipeline.StepAsync("approve")).Status, Is.EqualTo(RunStatus.Waiting));
        Assert.That(await pipeline.OutboxRowsAsync("approve"), Is.Zero, "a gate is never queued: no Runner ever sees it");
        Assert.That(await RequestedAtAsync(pipeline), Is.Not.Null);
        var parent = await pipeline.ParentAsync();
        Assert.That(parent.Status, Is.EqualTo(RunStatus.Waiting));
        Assert.That(parent.StatusReason, Is.EqualTo("Waiting for approval of step 'approve'."));
    }

    [Test]
    public async Task When_another_step_still_runs_beside_a_waiting_gate_Should_keep_the_run_running_until_it_ends()
    {
        var pipeline = await PlanAsync([new("build"), new("lint"), new("approve", "build") { Block = Gate }]);
        await pipeline.RunAsync("build", RunStatus.Succeeded);
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Running), "lint is still queued");

        await pipeline.RunAsync("lint", RunStatus.Succeeded);

        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Waiting));
    }

    [Test]
    public async Task When_approved_Should_succeed_the_gate_record_the_decision_and_release_its_dependents()
    {
        var pipeline = await BuildGateDeployAsync();
        await pipeline.RunAsync("build", RunStatus.Succeeded);

        var result = await DecideAsync(pipeline, BlockDecision.Approved, fields: new() { ["VERSION"] = "1.2.3" });

        Assert.That(result.Outcome, Is.EqualTo(GateDecisionOutcome.Decided));
        Assert.That(await pipeline.StatusesAsync(), Is.EqualTo(new Dictionary<string, RunStatus>
        {
            ["build"] = RunStatus.Succeeded, ["approve"] = RunStatus.Succeeded, ["deploy"] = RunStatus.Queued, ["notify"] = RunStatus.Queued,
        }));
        Assert.That(await pipeline.OutboxRowsAsync("deploy"), Is.EqualTo(1));
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Running));
        var decision = result.Step!.Gate!.Decision!;
        Assert.That((decision.Decision, decision.By), Is.EqualTo((BlockDecision.Approved, "admin-token")));
        Assert.That(decision.Inputs, Is.EqualTo(new Dictionary<string, string> { ["VERSION"] = "1.2.3" }));
        var gate = await pipeline.StepAsync("approve");
        Assert.That(gate.StartedAt, Is.EqualTo(gate.FinishedAt), "a gate takes no time of its own: both are the decision's");

        var deploy = await pipeline.ClaimAsync("deploy");
        Assert.That(deploy.Step!.Definition.Env, Does.ContainKey("VERSION").WithValue("1.2.3"), "the claim reads the approved inputs");
    }

    [Test]
    public async Task When_rejected_Should_fail_the_gate_skip_its_dependents_and_still_run_always_steps()
    {
        var pipeline = await BuildGateDeployAsync();
        await pipeline.RunAsync("build", RunStatus.Succeeded);

        var result = await DecideAsync(pipeline, BlockDecision.Rejected);

        Assert.That(result.Outcome, Is.EqualTo(GateDecisionOutcome.Decided));
        var gate = await pipeline.StepAsync("approve");
        Assert.That((gate.Status, gate.StatusReason), Is.EqualTo((RunStatus.Failed, "Rejected by admin-token.")));
        Assert.That((await pipeline.StepAsync("deploy")).Status, Is.EqualTo(RunStatus.Skipped));
        Assert.That((await pipeline.StepAsync("notify")).Status, Is.EqualTo(RunStatus.Queued));

        await pipeline.RunAsync("notify", RunStatus.Succeeded);
        var parent = await pipeline.ParentAsync();
        Assert.That(parent.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(parent.StatusReason, Is.EqualTo("Step 'approve' failed: Rejected by admin-token."));
    }

    [Test]
    public async Task When_a_token_outside_the_approvers_decides_Should_refuse_and_change_nothing()
    {
        var pipeline = await BuildGateDeployAsync();
        await pipeline.RunAsync("build", RunStatus.Succeeded);

        var result = await DecideAsync(pipeline, BlockDecision.Approved, Token("ci-bot", Scope.Trigger), new() { ["VERSION"] = "1" });

        Assert.That(result.Outcome, Is.EqualTo(GateDecisionOutcome.NotAllowed));
        Assert.That((await pipeline.StepAsync("approve")).Status, Is.EqualTo(RunStatus.Waiting));
    }

    [Test]
    public async Task When_approved_without_a_required_field_or_with_an_unknown_one_Should_name_each()
    {
        var pipeline = await BuildGateDeployAsync();
        await pipeline.RunAsync("build", RunStatus.Succeeded);

        var result = await DecideAsync(pipeline, BlockDecision.Approved, fields: new() { ["COLOUR"] = "blue" });

        Assert.That(result.Outcome, Is.EqualTo(GateDecisionOutcome.InvalidInputs));
        Assert.That(result.Errors!.ToDictionary().Keys, Is.EquivalentTo(new[] { "fields.COLOUR", "fields.VERSION" }));
        Assert.That((await pipeline.StepAsync("approve")).Status, Is.EqualTo(RunStatus.Waiting));
    }

    [Test]
    public async Task When_decided_twice_at_once_Should_record_exactly_one_decision()
    {
        var pipeline = await BuildGateDeployAsync();
        await pipeline.RunAsync("build", RunStatus.Succeeded);

        var results = await Task.WhenAll(
            DecideAsync(pipeline, BlockDecision.Approved, fields: new() { ["VERSION"] = "1" }),
            DecideAsync(pipeline, BlockDecision.Rejected));

        Assert.That(results.Count(r => r.Outcome == GateDecisionOutcome.Decided), Is.EqualTo(1));
        Assert.That(results.Count(r => r.Outcome == GateDecisionOutcome.NotAwaiting), Is.EqualTo(1));
    }

    [Test]
    public async Task When_decided_before_its_needs_ended_Should_refuse()
    {
        var pipeline = await BuildGateDeployAsync();

        var result = await DecideAsync(pipeline, BlockDecision.Rejected);

        Assert.That(result.Outcome, Is.EqualTo(GateDecisionOutcome.NotAwaiting));
    }

    [Test]
    public async Task When_the_run_is_aborted_while_a_gate_waits_Should_skip_it_and_end_the_run_aborted()
    {
        var pipeline = await BuildGateDeployAsync();
        await pipeline.RunAsync("build", RunStatus.Succeeded);

        await Database.ExecuteAsync("SELECT narwhal_abort_pipeline(@ParentId, 'someone')", new { pipeline.ParentId });

        Assert.That((await pipeline.StepAsync("approve")).Status, Is.EqualTo(RunStatus.Skipped));
        Assert.That((await pipeline.ParentAsync()).Status, Is.EqualTo(RunStatus.Aborted));
    }

    [Test]
    public async Task When_a_gate_outlives_its_timeout_Should_end_it_timed_out_and_advance()
    {
        var pipeline = await BuildGateDeployAsync("""{ "prompt": "Deploy?", "timeoutSeconds": 60 }""");
        await pipeline.RunAsync("build", RunStatus.Succeeded);
        var gates = new GateTimeoutStore(Database.DataSource);
        Assert.That(await gates.FindAsync(10, CancellationToken.None), Is.Empty, "not due yet");

        await Database.ExecuteAsync("UPDATE run_steps SET approval_requested_at = now() - interval '61 seconds' WHERE run_id = @id",
            new { id = pipeline["approve"] });
        var due = (await gates.FindAsync(10, CancellationToken.None)).Where(g => g.ParentRunId == pipeline.ParentId).ToList();
        Assert.That(due.Select(g => g.Key), Is.EqualTo(new[] { "approve" }));
        Assert.That(await gates.EndAsync(due[0], CancellationToken.None), Is.True);
        Assert.That(await gates.EndAsync(due[0], CancellationToken.None), Is.False, "ended once");

        Assert.That((await pipeline.StepAsync("approve")).Status, Is.EqualTo(RunStatus.TimedOut));
        Assert.That((await pipeline.StepAsync("deploy")).Status, Is.EqualTo(RunStatus.Skipped));
        Assert.That((await pipeline.StepAsync("notify")).Status, Is.EqualTo(RunStatus.Queued));
    }

    private Task<DateTime?> RequestedAtAsync(PipelineRows pipeline) =>
        Database.ScalarAsync<DateTime?>("SELECT approval_requested_at FROM run_steps WHERE run_id = @id", new { id = pipeline["approve"] });
}
