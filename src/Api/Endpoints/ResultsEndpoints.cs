using Narwhal.Api.Auth;
using Narwhal.Api.Downloads;
using Narwhal.Api.Logs;
using Narwhal.Api.Runs;
using Narwhal.Core.Logs;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Endpoints;

public static class ResultsEndpoints
{
    public static IEndpointRouteBuilder MapResultsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/runs/{id:guid}/results/console", ConsoleById).WithSummary("Console log: text/plain (Range, ETag) or ?follow=true as Server-Sent Events (Last-Event-ID resumes)").WithTags("Results").RequireAuthorization(Scope.Read.Name());
        app.MapGet("/jobs/{name}/runs/{number:int}/results/console", ConsoleByNumber).WithSummary("Console log by job and run number (same as by id)").WithTags("Results").RequireAuthorization(Scope.Read.Name());
        return app;
    }

    public static async Task<IResult> ConsoleById(Guid id, bool? follow, ConsoleSources sources, CancellationToken ct) =>
        Console(await sources.Runs.GetAsync(id, ct), follow == true, $"No run with id {id}.", sources);

    public static async Task<IResult> ConsoleByNumber(string name, int number, bool? follow, ConsoleSources sources, CancellationToken ct) =>
        Console(await sources.Runs.GetByNumberAsync(name, number, ct), follow == true, $"Job '{name}' has no run #{number}.", sources);

    /// <summary>
    /// The console log: as Server-Sent Events with ?follow=true (live, resumable); as text/plain
    /// otherwise — what has arrived so far while the run is active, the stored log (Range, ETag,
    /// long-lived caching) once it ended.
    /// </summary>
    private static IResult Console(Run? run, bool follow, string notFound, ConsoleSources sources)
    {
        if (run is null) return Problems.NotFound(notFound);
        if (run.ResultsExpiredAt is { } expired) return Problems.Expired(run.Id, expired);
        if (follow) return new ConsoleEventStream(run.Id, sources.Runs, sources.Chunks, sources.Store, sources.Hub);
        if (run.LogKey is not null)
            return new StoredObjectResult(sources.Store, run.LogKey, "text/plain; charset=utf-8", immutable: run.Status.IsTerminal(),
                $"The console log of run {run.Id} is missing from storage.");
        if (run.Status.IsActive()) return new LiveConsoleText(run.Id, sources.Chunks);
        return Problems.NotFound($"Run {run.Id} ended ({run.Status.Name()}) without a console log: {run.StatusReason ?? "nothing was executed"}.");
    }

    /// <summary>Where console output comes from (grouped so the handlers stay readable).</summary>
    public sealed record ConsoleSources(RunStore Runs, LogChunkStore Chunks, IObjectStore Store, LogNotificationHub Hub);
}
