using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Jobs;
using Narwhal.Api.Validation;
using Narwhal.Core.Configuration;

namespace Narwhal.Api.Endpoints;

public static class JobsEndpoints
{
    public static IEndpointRouteBuilder MapJobsEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs").WithTags("Jobs");
        jobs.MapGet("/", ListJobs).WithSummary("List jobs (by name, keyset-paged)").RequireAuthorization(Scope.Read.Name());
        jobs.MapGet("/{name}", GetJob).WithSummary("Get a job").RequireAuthorization(Scope.Read.Name());
        jobs.MapPut("/{name}", PutJob).WithSummary("Create or update a job (idempotent: created, updated or unchanged; ?dryRun=true plans only)").RequireAuthorization(Scope.Admin.Name());
        jobs.MapDelete("/{name}", DeleteJob).WithSummary("Delete a job (refused while it has queued or running runs; history stays)").RequireAuthorization(Scope.Admin.Name());
        return app;
    }

    public static async Task<Results<Ok<PageDto<JobDto>>, ValidationProblem>> ListJobs(
        JobStore store, string? cursor, int? limit, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        Paging.TryLimit(limit, errors, out var take);
        if (!Paging.TryDecodeName(cursor, out var after)) errors.Add("cursor", "Not a cursor this API returned.");
        if (errors.Any) return Problems.Invalid(errors);

        var page = await store.ListAsync(after, take + 1, ct);
        var items = page.Take(take).Select(JobDto.From).ToList();
        return TypedResults.Ok(new PageDto<JobDto>(items, page.Count > take ? Paging.EncodeName(items[^1].Name) : null));
    }

    public static async Task<Results<Ok<JobDto>, ProblemHttpResult>> GetJob(string name, JobStore store, CancellationToken ct) =>
        await store.GetAsync(name, includeDeleted: false, ct) is { } job
            ? TypedResults.Ok(JobDto.From(job))
            : Problems.NotFound($"No job named '{name}'.");

    /// <summary>The <c>dryRun</c> query parameter of every idempotent PUT, as the OpenAPI document shows it.</summary>
    public const string DryRunDescription = "true = validate as usual and answer what the call would do (its outcome; for a job also its changes), with dryRun: true, writing nothing.";

    /// <summary>Create (201) or update (200); the same body again answers 200 with outcome "unchanged" and writes nothing.
    /// A dry run answers the same, from a read-only plan.</summary>
    public static async Task<Results<Created<JobSaveResponse>, Ok<JobSaveResponse>, ValidationProblem>> PutJob(
        string name, JobRequest request, JobStore store, BrokerSettings broker, CancellationToken ct,
        [Description(DryRunDescription)] bool dryRun = false)
    {
        var (spec, errors) = JobRequestValidator.Validate(name, request, broker.ResourceClasses);
        if (spec is null) return Problems.Invalid(errors);

        var result = dryRun ? await store.PlanAsync(name, spec, ct) : await store.SaveAsync(name, spec, ct);
        var response = JobSaveResponse.From(result, dryRun);
        return result.Outcome == JobSaveOutcome.Created
            ? TypedResults.Created(dryRun ? null : $"/jobs/{Uri.EscapeDataString(name)}", response)
            : TypedResults.Ok(response);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteJob(string name, JobStore store, CancellationToken ct) =>
        await store.DeleteAsync(name, ct) switch
        {
            JobDeleteOutcome.Deleted => TypedResults.NoContent(),
            JobDeleteOutcome.HasActiveRuns => Problems.Conflict($"Job '{name}' has queued or running runs; abort them or wait for them to finish."),
            _ => Problems.NotFound($"No job named '{name}'."),
        };
}
