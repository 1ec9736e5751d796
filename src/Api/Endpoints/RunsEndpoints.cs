using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Api.Validation;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Endpoints;

public static class RunsEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapRunsEndpoints(this IEndpointRouteBuilder app)
    {
        var jobRuns = app.MapGroup("/jobs/{name}/runs").WithTags("Runs");
        jobRuns.MapPost("/", TriggerRun).WithSummary("Trigger a run (commitSha or branchName for git jobs, parameters, Idempotency-Key)").RequireAuthorization(Scope.Trigger.Name());
        jobRuns.MapGet("/", ListJobRuns).WithSummary("List a job's runs, newest first").RequireAuthorization(Scope.Read.Name());
        jobRuns.MapGet("/{number:int}", GetRunByNumber).WithSummary("Get a run by job and number").RequireAuthorization(Scope.Read.Name());

        var runs = app.MapGroup("/runs").WithTags("Runs");
        runs.MapGet("/", ListRuns).WithSummary("List runs, newest first (filters: job, status, branch)").RequireAuthorization(Scope.Read.Name());
        runs.MapGet("/{id:guid}", GetRun).WithSummary("Get a run").RequireAuthorization(Scope.Read.Name());
        runs.MapPost("/{id:guid}/rerun", Rerun).WithSummary("Re-run: a new run with the same source and parameters").RequireAuthorization(Scope.Trigger.Name());
        runs.MapPost("/{id:guid}/abort", Abort).WithSummary("Abort a queued or running run").RequireAuthorization(Scope.Trigger.Name());
        return app;
    }

    /// <summary>
    /// 201 with the new run; 200 with the original run when the Idempotency-Key was seen with the
    /// same body; 422 when it was seen with a different one.
    /// </summary>
    public static async Task<Results<Created<RunDto>, Ok<RunDto>, ValidationProblem, ProblemHttpResult>> TriggerRun(
        string name,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] TriggerRequest? request,
        [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
        JobStore jobs, RunTriggerService trigger, ClaimsPrincipal user, CancellationToken ct)
    {
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > 200 || idempotencyKey.Any(c => c < 0x21 || c > 0x7e)))
            return Problems.Invalid(IdempotencyHeader, "Must be 1-200 visible ASCII characters.");
        var job = await jobs.GetAsync(name, includeDeleted: false, ct);
        if (job is null) return Problems.NotFound($"No job named '{name}'.");

        var (resolved, errors) = TriggerValidator.Validate(job.Spec, request ?? new TriggerRequest());
        if (resolved is null) return Problems.Invalid(errors);

        var result = await trigger.TriggerAsync(NewRunOf(job, resolved.CommitSha, resolved.Branch, resolved.Parameters, user) with
        {
            IdempotencyKey = idempotencyKey,
            RequestHash = resolved.RequestHash,
        }, ct);
        return Answer(result, name);
    }

    /// <summary>A new run of the same job with the same source (the exact commit when it was known) and parameters.</summary>
    public static async Task<Results<Created<RunDto>, Ok<RunDto>, ValidationProblem, ProblemHttpResult>> Rerun(
        Guid id, RunStore runs, JobStore jobs, RunTriggerService trigger, ClaimsPrincipal user, CancellationToken ct)
    {
        var original = await runs.GetTopLevelAsync(id, ct);
        if (original is null) return Problems.NotFound($"No run with id {id}.");
        var job = await jobs.GetAsync(original.JobName, includeDeleted: false, ct);
        if (job is null) return Problems.Conflict($"Job '{original.JobName}' has been deleted; its runs cannot be re-run.");

        var result = await trigger.TriggerAsync(
            NewRunOf(job, original.CommitSha, original.Branch, original.Parameters, user) with { RerunOf = original.Id }, ct);
        return Answer(result, original.JobName);
    }

    /// <summary>
    /// 200 with the run aborted (it was queued and will never start; a pipeline: none of its steps was running);
    /// 202 with the run still running and abortRequestedAt set (its Runners stop it, or its running steps, promptly
    /// and it ends aborted); 409 when it had already ended.
    /// </summary>
    public static async Task<Results<Ok<RunDto>, Accepted<RunDto>, ProblemHttpResult>> Abort(
        Guid id, RunStore runs, RunAbortNotifier notifier, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await runs.RequestAbortAsync(id, user.TokenName(), ct);
        switch (result.Outcome)
        {
            case AbortOutcome.Aborted:
                return TypedResults.Ok(Detail(result.Run!, result.Steps));
            case AbortOutcome.Requested:
                foreach (var running in result.ToStop) await notifier.NotifyAsync(running);
                return TypedResults.Accepted($"/runs/{id}", Detail(result.Run!, result.Steps));
            case AbortOutcome.AlreadyEnded:
                return Problems.Conflict($"Run {id} already ended ({result.Run!.Status.Name()}); there is nothing to abort.");
            default:
                return Problems.NotFound($"No run with id {id}.");
        }
    }

    /// <summary>A single-run answer: the run with its steps, <c>main</c> alone for a run without steps (no query for it).</summary>
    private static RunDto Detail(Run run, IReadOnlyList<RunStep>? steps) => RunDto.From(run, steps ?? [RunStep.MainOf(run)]);

    private static NewRun NewRunOf(Job job, string? commitSha, string? branch, IReadOnlyDictionary<string, string> parameters, ClaimsPrincipal user) => new()
    {
        JobId = job.Id,
        JobName = job.Name,
        ResourceClass = job.Spec.ResourceClass,
        CommitSha = commitSha,
        Branch = branch,
        Parameters = parameters,
        Trigger = new RunTrigger { Kind = user.TriggerKind(), TokenName = user.TokenName() },
    };

    private static Results<Created<RunDto>, Ok<RunDto>, ValidationProblem, ProblemHttpResult> Answer(CreateRunResult result, string jobName) =>
        result.Outcome switch
        {
            CreateRunOutcome.Created => TypedResults.Created($"/runs/{result.Run!.Id}", Detail(result.Run, null)),
            // A replay answers the run as it is now; a pipeline's steps are not read for it (GET /runs/{id} has them).
            CreateRunOutcome.Replayed => TypedResults.Ok(result.Run!.Pipeline ? RunDto.From(result.Run) : Detail(result.Run, null)),
            CreateRunOutcome.KeyConflict => Problems.Unprocessable(
                $"Idempotency-Key was already used for run {result.Run!.Id} (#{result.Run.Number}) with a different request."),
            _ => Problems.NotFound($"No job named '{jobName}' (it was deleted)."),
        };

    public static async Task<Results<Ok<RunDto>, ProblemHttpResult>> GetRun(Guid id, RunStore runs, RunStepStore steps, CancellationToken ct) =>
        await runs.GetTopLevelAsync(id, ct) is { } run
            ? TypedResults.Ok(RunDto.From(run, await steps.CurrentAsync(run, ct)))
            : Problems.NotFound($"No run with id {id}.");

    public static async Task<Results<Ok<RunDto>, ProblemHttpResult>> GetRunByNumber(string name, int number, RunStore runs, RunStepStore steps, CancellationToken ct) =>
        await runs.GetByNumberAsync(name, number, ct) is { } run
            ? TypedResults.Ok(RunDto.From(run, await steps.CurrentAsync(run, ct)))
            : Problems.NotFound($"Job '{name}' has no run #{number}.");

    public static Task<Results<Ok<PageDto<RunDto>>, ValidationProblem, ProblemHttpResult>> ListJobRuns(
        string name, string? status, string? branch, string? cursor, int? limit, RunStore runs, JobStore jobs, CancellationToken ct) =>
        List(name, status, branch, cursor, limit, runs, jobs, requireJob: true, ct);

    public static Task<Results<Ok<PageDto<RunDto>>, ValidationProblem, ProblemHttpResult>> ListRuns(
        string? job, string? status, string? branch, string? cursor, int? limit, RunStore runs, JobStore jobs, CancellationToken ct) =>
        List(job, status, branch, cursor, limit, runs, jobs, requireJob: false, ct);

    private static async Task<Results<Ok<PageDto<RunDto>>, ValidationProblem, ProblemHttpResult>> List(
        string? job, string? status, string? branch, string? cursor, int? limit, RunStore runs, JobStore jobs, bool requireJob, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        Paging.TryLimit(limit, errors, out var take);
        RunStatus? statusFilter = null;
        if (status is not null)
        {
            if (RunStatusNames.TryParse(status, out var parsed)) statusFilter = parsed;
            else errors.Add("status", $"Unknown status '{status}'; one of {string.Join(", ", RunStatusNames.All)}.");
        }
        RunCursor? after = null;
        if (cursor is not null)
        {
            if (RunCursor.TryDecode(cursor, out var decoded)) after = decoded;
            else errors.Add("cursor", "Not a cursor this API returned.");
        }
        if (errors.Any) return Problems.Invalid(errors);
        // History stays readable after a job is deleted.
        if (requireJob && await jobs.GetAsync(job!, includeDeleted: true, ct) is null)
            return Problems.NotFound($"No job named '{job}'.");

        var page = await runs.ListAsync(new RunFilter { JobName = job, Status = statusFilter, Branch = branch, After = after, Limit = take }, ct);
        return TypedResults.Ok(new PageDto<RunDto>(page.Items.Select(RunDto.From).ToList(), page.NextCursor));
    }
}
