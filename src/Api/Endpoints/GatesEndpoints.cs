using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Runs;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Endpoints;

/// <summary>
/// The decisions of approval gates (steps with <c>block</c>): approve with the gate's inputs, or reject. The endpoints
/// need the read scope only; the gate's own <c>approvers</c> say who may decide (default: admin tokens).
/// </summary>
public static class GatesEndpoints
{
    public static IEndpointRouteBuilder MapGatesEndpoints(this IEndpointRouteBuilder app)
    {
        var gate = app.MapGroup("/runs/{id:guid}/steps/{key}").WithTags("Steps");
        gate.MapPost("/approve", Approve).WithSummary("Approve a step waiting for approval, with its input fields").RequireAuthorization(Scope.Read.Name());
        gate.MapPost("/reject", Reject).WithSummary("Reject a step waiting for approval").RequireAuthorization(Scope.Read.Name());
        return app;
    }

    /// <summary>200 with the run: the gate succeeded, its inputs are recorded, and the steps after it are released.</summary>
    public static async Task<Results<Ok<RunDto>, ValidationProblem, ProblemHttpResult>> Approve(
        Guid id, [Description(StepsEndpoints.KeyDescription)] string key, ApproveRequest? request, GateDecisionStore gates, ClaimsPrincipal user,
        ILogger<GateDecisionStore> logger, CancellationToken ct)
    {
        var result = await gates.DecideAsync(id, key, BlockDecision.Approved, request?.Fields, user, ct);
        if (result.Outcome == GateDecisionOutcome.InvalidInputs) return Problems.Invalid(result.Errors!);
        return Answer(id, key, result, user, logger);
    }

    /// <summary>200 with the run: the gate failed ("Rejected by NAME."), and the steps needing it are skipped.</summary>
    public static async Task<Results<Ok<RunDto>, ValidationProblem, ProblemHttpResult>> Reject(
        Guid id, [Description(StepsEndpoints.KeyDescription)] string key, GateDecisionStore gates, ClaimsPrincipal user,
        ILogger<GateDecisionStore> logger, CancellationToken ct) =>
        Answer(id, key, await gates.DecideAsync(id, key, BlockDecision.Rejected, null, user, ct), user, logger);

    private static Results<Ok<RunDto>, ValidationProblem, ProblemHttpResult> Answer(
        Guid id, string key, GateDecisionResult result, ClaimsPrincipal user, ILogger logger)
    {
        switch (result.Outcome)
        {
            case GateDecisionOutcome.Decided:
                var decision = result.Step!.Gate!.Decision!;
                logger.LogInformation("Run {RunId}: {TokenName} {Decision} step {Step}", id, user.TokenName(), decision.Decision.Name(), key);
                return TypedResults.Ok(RunDto.From(result.Run!, result.Steps!));
            case GateDecisionOutcome.RunNotFound:
                return Problems.NotFound($"No run with id {id}.");
            case GateDecisionOutcome.StepNotFound:
                return Problems.NotFound($"Run {id} has no step '{key}'.");
            case GateDecisionOutcome.NotAGate:
                return Problems.Conflict($"Step '{key}' of run {id} is not an approval gate (it has no 'block'): there is nothing to approve or reject.");
            case GateDecisionOutcome.NotAllowed:
                return TypedResults.Problem(
                    $"Token '{user.TokenName()}' may not decide step '{key}' of run {id}: its approvers are {GateApprovers.Describe(result.Step!.Gate!.Spec)}.",
                    statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
            default:
                return Problems.Conflict(NotAwaiting(id, result.Step!));
        }
    }

    private static string NotAwaiting(Guid id, RunStep step)
    {
        var prefix = $"Step '{step.Key}' of run {id} is not waiting for approval: ";
        if (step.Gate!.Decision is { } d)
            return prefix + (d.Decision == BlockDecision.TimedOut
                ? $"nobody decided in time (it timed out at {d.At:yyyy-MM-dd'T'HH:mm:ss'Z'})."
                : $"{d.By} {d.Decision.Name()} it at {d.At:yyyy-MM-dd'T'HH:mm:ss'Z'}.");
        return prefix + (step.Row.Status == RunStatus.Waiting
            ? "it waits for the steps it needs."
            : $"it is {step.Row.Status.Name()}{(step.Row.StatusReason is { } reason ? $" ({reason})" : "")}.");
    }
}
