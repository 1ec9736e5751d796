using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Downloads;
using Narwhal.Core.Auth;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Endpoints;

public static class ResultsEndpoints
{
    public static IEndpointRouteBuilder MapResultsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/runs/{id:guid}/results/console", ConsoleById).WithTags("Results").RequireAuthorization(Scope.Read.Name());
        app.MapGet("/jobs/{name}/runs/{number:int}/results/console", ConsoleByNumber).WithTags("Results").RequireAuthorization(Scope.Read.Name());
        return app;
    }

    public static async Task<Results<StoredObjectResult, ProblemHttpResult>> ConsoleById(Guid id, RunStore runs, IObjectStore store, CancellationToken ct) =>
        Console(await runs.GetAsync(id, ct), $"No run with id {id}.", store);

    public static async Task<Results<StoredObjectResult, ProblemHttpResult>> ConsoleByNumber(
        string name, int number, RunStore runs, IObjectStore store, CancellationToken ct) =>
        Console(await runs.GetByNumberAsync(name, number, ct), $"Job '{name}' has no run #{number}.", store);

    /// <summary>The console log as text/plain, with Range, ETag and caching (long for finished runs).</summary>
    private static Results<StoredObjectResult, ProblemHttpResult> Console(Run? run, string notFound, IObjectStore store)
    {
        if (run is null) return Problems.NotFound(notFound);
        if (run.LogKey is null)
            return Problems.NotFound(run.Status.IsActive()
                ? $"Run {run.Id} is {run.Status.Name()}; its console log is stored when it ends."
                : $"Run {run.Id} ended ({run.Status.Name()}) without a console log: {run.StatusReason ?? "nothing was executed"}.");
        return new StoredObjectResult(store, run.LogKey, "text/plain; charset=utf-8", immutable: run.Status.IsTerminal(),
            $"The console log of run {run.Id} is missing from storage.");
    }
}
