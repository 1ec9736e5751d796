using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Runs;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Results;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Endpoints;

/// <summary>
/// A run's steps, addressed through the run (<c>/runs/{id}/steps/{key}</c>): each step's state, console and files,
/// served by the run-level handlers for the step's own runs row, and the retries of failed steps.
/// </summary>
public static class StepsEndpoints
{
    public const string KeyDescription = $"The step's key as written in its pipeline; a run without steps has one, '{PipelineLimits.SingleStepKey}'.";
    public const string AttemptDescription = "An earlier attempt of the step (1, 2, …; a retry keeps the attempts it replaced). Default: the current one.";

    public static IEndpointRouteBuilder MapStepsEndpoints(this IEndpointRouteBuilder app)
    {
        var steps = app.MapGroup("/runs/{id:guid}/steps/{key}").WithTags("Steps");
        steps.MapGet("/", GetStep).WithSummary("Get a step of a run (?attempt=N for an earlier attempt)").RequireAuthorization(Scope.Read.Name());
        steps.MapGet("/console", Console).WithSummary("A step's console log: text/plain (Range, ETag) or ?follow=true as Server-Sent Events").RequireAuthorization(Scope.Read.Name());
        steps.MapGet("/results", Overview).WithSummary("What a step produced: console, JUnit reports, artifacts").RequireAuthorization(Scope.Read.Name());
        steps.MapGet("/results/junit", JunitZip).WithSummary("A step's JUnit XML reports as a zip").RequireAuthorization(Scope.Read.Name());
        steps.MapGet("/results/junit/summary", JunitSummary).WithSummary("A step's JUnit totals, suites, failed cases").RequireAuthorization(Scope.Read.Name());
        steps.MapGet("/results/artifacts", ListArtifacts).WithSummary("List a step's artifacts").RequireAuthorization(Scope.Read.Name());
        steps.MapGet("/results/artifacts/{**path}", DownloadArtifact).WithSummary("Download an artifact of a step").RequireAuthorization(Scope.Read.Name());
        steps.MapPost("/retry", RetryStep).WithSummary("Retry a step that ended, and the steps after it that did not succeed").RequireAuthorization(Scope.Trigger.Name());

        app.MapPost("/runs/{id:guid}/retry-failed", RetryFailed).WithTags("Steps")
            .WithSummary("Retry every failed step of a run, and the steps after them that did not succeed").RequireAuthorization(Scope.Trigger.Name());
        return app;
    }

    public static Task<Results<Ok<StepDto>, ProblemHttpResult>> GetStep(
        Guid id, [Description(KeyDescription)] string key, [Description(AttemptDescription)] int? attempt, RunStore runs, RunStepStore steps, CancellationToken ct) =>
        AtStepAsync(id, key, attempt, runs, steps, step => Task.FromResult<Results<Ok<StepDto>, ProblemHttpResult>>(TypedResults.Ok(StepDto.From(id, step))), ct);

    public static Task<IResult> Console(
        Guid id, [Description(KeyDescription)] string key, [Description(AttemptDescription)] int? attempt, bool? follow,
        RunStepStore steps, ResultsEndpoints.ConsoleSources sources, CancellationToken ct) =>
        AtStepAsync(id, key, attempt, sources.Runs, steps, step => Task.FromResult(ResultsEndpoints.Console(step.Row, follow == true, sources)), ct);

    public static Task<Results<Ok<RunFilesEndpoints.ResultsOverview>, ProblemHttpResult>> Overview(
        Guid id, [Description(KeyDescription)] string key, [Description(AttemptDescription)] int? attempt,
        RunStore runs, RunStepStore steps, RunFileStore files, CancellationToken ct) =>
        AtStepAsync(id, key, attempt, runs, steps, step => RunFilesEndpoints.OverviewOf(FilesOf(id, step), files, ct), ct);

    public static Task<IResult> JunitZip(
        Guid id, [Description(KeyDescription)] string key, [Description(AttemptDescription)] int? attempt,
        RunStore runs, RunStepStore steps, RunFileStore files, IObjectStore store, CancellationToken ct) =>
        AtStepAsync(id, key, attempt, runs, steps, step => RunFilesEndpoints.JunitZipOf(FilesOf(id, step), files, store, ct), ct);

    public static Task<IResult> JunitSummary(
        Guid id, [Description(KeyDescription)] string key, [Description(AttemptDescription)] int? attempt,
        RunStore runs, RunStepStore steps, RunFileStore files, IObjectStore store, CancellationToken ct) =>
        AtStepAsync(id, key, attempt, runs, steps, step => RunFilesEndpoints.JunitSummaryOf(FilesOf(id, step), files, store, ct), ct);

    public static Task<Results<Ok<PageDto<RunFilesEndpoints.FileDto>>, ProblemHttpResult>> ListArtifacts(
        Guid id, [Description(KeyDescription)] string key, [Description(AttemptDescription)] int? attempt,
        RunStore runs, RunStepStore steps, RunFileStore files, CancellationToken ct) =>
        AtStepAsync(id, key, attempt, runs, steps, step => RunFilesEndpoints.ArtifactsOf(FilesOf(id, step), files, ct), ct);

    public static async Task<IResult> DownloadArtifact(
        Guid id, [Description(KeyDescription)] string key, string path, [Description(AttemptDescription)] int? attempt,
        RunStore runs, RunStepStore steps, RunFileStore files, IObjectStore store, HttpContext context, CancellationToken ct)
    {
        if (RunFilesEndpoints.RefuseUnsafe(path, context) is { } refused) return refused;
        return await AtStepAsync(id, key, attempt, runs, steps, step => RunFilesEndpoints.ArtifactOf(FilesOf(id, step), path, files, store, context, ct), ct);
    }

    /// <summary>200 with the run: the step and its downstream steps that did not succeed have new attempts, and the run is running again.</summary>
    public static async Task<Results<Ok<RunDto>, ProblemHttpResult>> RetryStep(
        Guid id, [Description(KeyDescription)] string key, StepRetryStore retries, ClaimsPrincipal user, ILogger<StepRetryStore> logger, CancellationToken ct)
    {
        key = StepKeys.FromRoute(key);
        var result = await retries.RetryStepAsync(id, key, ct);
        return Answer(id, result, user, logger, result.Outcome switch
        {
            StepRetryOutcome.UnknownStep => Problems.NotFound($"Run {id} has no step '{key}'" +
                                                              $"{(result.Steps is { Count: > 0 } steps ? $"; its steps are {string.Join(", ", steps.Select(s => $"'{s.Key}'"))}" : "")}."),
            StepRetryOutcome.StepActive => Problems.Conflict($"Step '{key}' of run {id} has not ended (it is {result.Steps![0].Row.Status.Name()}): " +
                                                             $"only a step that ended can be retried. Wait for it, or abort the run (POST /runs/{id}/abort)."),
            _ => null,
        });
    }

    /// <summary>200 with the run: every failed step and the steps after them that did not succeed have new attempts.</summary>
    public static async Task<Results<Ok<RunDto>, ProblemHttpResult>> RetryFailed(
        Guid id, StepRetryStore retries, ClaimsPrincipal user, ILogger<StepRetryStore> logger, CancellationToken ct)
    {
        var result = await retries.RetryFailedAsync(id, ct);
        return Answer(id, result, user, logger, result.Outcome == StepRetryOutcome.NothingFailed
            ? Problems.Conflict($"No step of run {id} failed, timed out, errored, was lost or aborted: there is nothing to retry. " +
                                $"Re-run it with POST /runs/{id}/rerun, or retry one step with POST /runs/{id}/steps/{{key}}/retry.")
            : null);
    }

    private static Results<Ok<RunDto>, ProblemHttpResult> Answer(Guid id, StepRetryResult result, ClaimsPrincipal user, ILogger logger, ProblemHttpResult? specific)
    {
        if (specific is not null) return specific;
        switch (result.Outcome)
        {
            case StepRetryOutcome.Retried:
                logger.LogInformation("Run {RunId}: {TokenName} retried steps {Steps}", id, user.TokenName(), string.Join(", ", result.Retried!));
                return TypedResults.Ok(RunDto.From(result.Run!, result.Steps!));
            case StepRetryOutcome.NotPipeline:
                return Problems.Conflict($"Run {id} has no steps to retry (its job config has no 'steps'): re-run it with POST /runs/{id}/rerun.");
            case StepRetryOutcome.Expired:
                return Problems.Conflict($"Retention deleted the logs and results of run {id}, so its steps' artifacts are gone: re-run it with POST /runs/{id}/rerun.");
            case StepRetryOutcome.JobDeleted:
                return Problems.Conflict($"Job '{result.Run!.JobName}' has been deleted; its runs cannot be retried.");
            default:
                return Problems.NotFound($"No run with id {id}.");
        }
    }

    private static RunFilesEndpoints.FilesOf FilesOf(Guid runId, RunStep step)
    {
        var self = $"/runs/{runId}/steps/{Uri.EscapeDataString(step.Key)}";
        var run = step.Row;
        return new RunFilesEndpoints.FilesOf(run, $"Step '{step.Key}' of run {runId}", self, $"{self}/console",
            $"run-{run.JobName}-{run.Number}-{step.Key}-junit.zip");
    }

    /// <summary>The answer for the run's step (attempt), or the problem naming what is missing.</summary>
    private static async Task<IResult> AtStepAsync(Guid id, string key, int? attempt, RunStore runs, RunStepStore steps,
        Func<RunStep, Task<IResult>> answer, CancellationToken ct)
    {
        var (step, problem) = await FindAsync(id, key, attempt, runs, steps, ct);
        return step is null ? problem! : await answer(step);
    }

    /// <summary><see cref="AtStepAsync(Guid, string, int?, RunStore, RunStepStore, Func{RunStep, Task{IResult}}, CancellationToken)"/> for a typed JSON answer.</summary>
    private static async Task<Results<Ok<T>, ProblemHttpResult>> AtStepAsync<T>(Guid id, string key, int? attempt, RunStore runs, RunStepStore steps,
        Func<RunStep, Task<Results<Ok<T>, ProblemHttpResult>>> answer, CancellationToken ct)
    {
        var (step, problem) = await FindAsync(id, key, attempt, runs, steps, ct);
        return step is null ? problem! : await answer(step);
    }

    /// <summary>The run's step (attempt), or the problem naming what is missing: the run, the step or the attempt.</summary>
    private static async Task<(RunStep? Step, ProblemHttpResult? Problem)> FindAsync(
        Guid id, string key, int? attempt, RunStore runs, RunStepStore steps, CancellationToken ct)
    {
        if (await runs.GetTopLevelAsync(id, ct) is not { } run) return (null, Problems.NotFound($"No run with id {id}."));
        key = StepKeys.FromRoute(key);
        if (StepKeys.MayExist(key) && await steps.FindAsync(run, key, attempt, ct) is { } step) return (step, null);
        if (attempt is not null && await steps.FindAsync(run, key, null, ct) is { } current)
            return (null, Problems.NotFound($"Step '{key}' of run {id} has no attempt {attempt} (its current one is {current.Attempt})."));
        return (null, Problems.NotFound(run.Pipeline
            ? $"Run {id} has no step '{key}'."
            : $"Run {id} has no step '{key}': a run without steps has one, '{PipelineLimits.SingleStepKey}'."));
    }
}
