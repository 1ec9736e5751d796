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
        RunConsole(await sources.Runs.GetTopLevelAsync(id, ct), follow == true, $"No run with id {id}.", sources);

    public static async Task<IResult> ConsoleByNumber(string name, int number, bool? follow, ConsoleSources sources, CancellationToken ct) =>
        RunConsole(await sources.Runs.GetByNumberAsync(name, number, ct), follow == true, $"Job '{name}' has no run #{number}.", sources);

    private static IResult RunConsole(Run? run, bool follow, string notFound, ConsoleSources sources) =>
        run is null ? Problems.NotFound(notFound)
        // A pipeline's output is its steps': one log each, often written at the same time, never one interleaved stream.
        : run.Pipeline ? Problems.Conflict($"Run {run.Id} is a pipeline: each step has its own console, at GET /runs/{run.Id}/steps/{{key}}/console " +
                                           $"(its steps are listed by GET /runs/{run.Id}).")
        : Console(run, follow, sources);

    /// <summary>
    /// The console log of a runs row (a run, or a step's attempt): as Server-Sent Events with ?follow=true (live,
    /// resumable); as text/plain otherwise — what has arrived so far while it is active, the stored log (Range, ETag,
    /// long-lived caching) once it ended.
    /// </summary>
    public static IResult Console(Run run, bool follow, ConsoleSources sources)
    {
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
