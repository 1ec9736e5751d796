using Narwhal.Api.Auth;
using Narwhal.Api.Endpoints;
using Narwhal.Api.Runs;
using Narwhal.Api.Ui.Auth;
using Narwhal.Api.Ui.Rendering;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui;

/// <summary>
/// What the run page's script and links read with the UI's cookie (the REST API wants a bearer token): the run's
/// status, the console log (raw with Range, or live as Server-Sent Events) and the run's files. Each answers exactly
/// as its REST twin, through the same handler. Not in the OpenAPI document: they are the UI's, not the API's.
/// </summary>
public static class UiEndpoints
{
    public static IEndpointRouteBuilder MapUiEndpoints(this IEndpointRouteBuilder app)
    {
        var run = app.MapGroup("/ui/runs/{id:guid}").RequireAuthorization(UiAuth.Policy(Scope.Read)).ExcludeFromDescription();
        run.MapGet("/status.json", Status);
        run.MapGet("/console.txt", (Guid id, ResultsEndpoints.ConsoleSources sources, CancellationToken ct) =>
            ResultsEndpoints.ConsoleById(id, follow: false, sources, ct));
        // Resumes at ?lastEventId= (the offset the page rendered up to) or the Last-Event-ID of a reconnect.
        run.MapGet("/console/stream", (Guid id, ResultsEndpoints.ConsoleSources sources, CancellationToken ct) =>
            ResultsEndpoints.ConsoleById(id, follow: true, sources, ct));
        run.MapGet("/junit.zip", RunFilesEndpoints.JunitZip);
        run.MapGet("/artifacts/{**path}", RunFilesEndpoints.DownloadArtifact);
        return app;
    }

    /// <summary>The run page's live fields, already worded (the script only puts them in place).</summary>
    public sealed record RunStatusJson(
        string Status, string Label, string Icon, string Css, bool Active, string Title,
        string? StartedAt, string? FinishedAt, string? Duration, int? ExitCode, string? Reason, string? AbortRequestedBy);

    private static async Task<IResult> Status(Guid id, RunStore runs, TimeProvider clock, HttpContext context, CancellationToken ct)
    {
        if (await runs.GetAsync(id, ct) is not { } run) return Problems.NotFound($"No run with id {id}.");
        context.Response.Headers.CacheControl = "no-store";
        var view = StatusView.Of(run);
        return TypedResults.Ok(new RunStatusJson(
            run.Status.Name(), view.Label, view.Icon, view.CssClass, run.Status.IsActive(), RunTitle.Of(run),
            run.StartedAt is { } s ? Format.Display(s) : null, run.FinishedAt is { } f ? Format.Display(f) : null,
            Format.RunDuration(run, clock.GetUtcNow()), run.ExitCode, run.StatusReason, run.AbortRequestedBy));
    }
}
