using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Jobs;
using Narwhal.Core.Caches;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Endpoints;

/// <summary>A job's step caches (saved by its Runners): listed with read scope, cleared with admin scope.</summary>
public static class CachesEndpoints
{
    public static IEndpointRouteBuilder MapCachesEndpoints(this IEndpointRouteBuilder app)
    {
        var caches = app.MapGroup("/jobs/{name}/caches").WithTags("Caches");
        caches.MapGet("/", ListCaches).WithSummary("List a job's step caches").RequireAuthorization(Scope.Read.Name());
        caches.MapDelete("/", ClearCaches).WithSummary("Delete every step cache of a job").RequireAuthorization(Scope.Admin.Name());
        return app;
    }

    public static async Task<Results<Ok<PageDto<CacheDto>>, ProblemHttpResult>> ListCaches(string name, JobStore jobs, JobCacheStore caches, CancellationToken ct)
    {
        if (await jobs.GetAsync(name, includeDeleted: false, ct) is not { } job) return Problems.NotFound($"No job named '{name}'.");
        var items = (await caches.ListAsync(job.Id, ct)).Select(CacheDto.From).ToList();
        return TypedResults.Ok(new PageDto<CacheDto>(items, null));
    }

    /// <summary>Rows first, then their objects: a Runner restoring meanwhile finds no row, or a missing object (a miss).</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> ClearCaches(string name, JobStore jobs, JobCacheStore caches, IObjectStore store,
        CancellationToken ct)
    {
        if (await jobs.GetAsync(name, includeDeleted: false, ct) is not { } job) return Problems.NotFound($"No job named '{name}'.");
        foreach (var cache in await caches.ClearAsync(job.Id, ct))
            await store.DeleteAsync(cache.ObjectKey, ct);
        return TypedResults.NoContent();
    }
}
