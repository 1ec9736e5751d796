using Narwhal.Api.Auth;
using Narwhal.Api.Endpoints;
using Narwhal.Api.Runs;
using Narwhal.Api.Ui.Auth;
using Narwhal.Api.Ui.Rendering;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui;

/// <summary>
/// What the run page's script and links read with the UI's cookie (the REST API wants a bearer token): the run's
/// status (with its steps'), the console log (raw with Range, or live as Server-Sent Events) and the run's files, and
/// the same for each step of a pipeline. Each answers exactly as its REST twin, through the same handler. Not in the
/// OpenAPI document: they are the UI's, not the API's.
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

        // A step's, for the attempt the page shows (?attempt=N): a retry's new attempt is another log.
        var step = run.MapGroup("/steps/{key}");
        step.MapGet("/console.txt", (Guid id, string key, int? attempt, RunStepStore steps, ResultsEndpoints.ConsoleSources sources, CancellationToken ct) =>
            StepsEndpoints.Console(id, key, attempt, follow: false, steps, sources, ct));
        step.MapGet("/console/stream", (Guid id, string key, int? attempt, RunStepStore steps, ResultsEndpoints.ConsoleSources sources, CancellationToken ct) =>
            StepsEndpoints.Console(id, key, attempt, follow: true, steps, sources, ct));
        step.MapGet("/junit.zip", StepsEndpoints.JunitZip);
        step.MapGet("/artifacts/{**path}", StepsEndpoints.DownloadArtifact);
        return app;
    }

    /// <summary>The run page's live fields, already worded (the script only puts them in place); a pipeline's steps too.</summary>
    public sealed record RunStatusJson(
        string Status, string Label, string Icon, string Css, bool Active, string Title,
        string? StartedAt, string? FinishedAt, string? Duration, int? ExitCode, string? Reason, string? AbortRequestedBy,
        bool Pipeline, IReadOnlyList<StepStatusJson>? Steps);

    /// <summary>A step's box in the graph: its status as words, its attempt (shown from 2 on) and duration so far.</summary>
    public sealed record StepStatusJson(string Key, string Status, string Label, string Icon, string Css, bool Active, int Attempt, string? Duration);

    private static async Task<IResult> Status(Guid id, RunStore runs, RunStepStore stepStore, TimeProvider clock, HttpContext context, CancellationToken ct)
    {
        if (await runs.GetAsync(id, ct) is not { } run) return Problems.NotFound($"No run with id {id}.");
        context.Response.Headers.CacheControl = "no-store";
        var now = clock.GetUtcNow();
        var view = StatusView.Of(run);
        var steps = run.Pipeline ? (await stepStore.CurrentAsync(run, ct)).Select(s => StepJson(s, now)).ToList() : null;
        return TypedResults.Ok(new RunStatusJson(
            run.Status.Name(), view.Label, view.Icon, view.CssClass, run.Status.IsActive(), RunTitle.Of(run),
            run.StartedAt is { } s ? Format.Display(s) : null, run.FinishedAt is { } f ? Format.Display(f) : null,
            Format.RunDuration(run, now), run.ExitCode, run.StatusReason, run.AbortRequestedBy, run.Pipeline, steps));
    }

    private static StepStatusJson StepJson(RunStep step, DateTimeOffset now)
    {
        var view = StatusView.Of(step.Row);
        return new StepStatusJson(step.Key, step.Row.Status.Name(), view.Label, view.Icon, view.CssClass, step.Row.Status.IsActive(),
            step.Attempt, Format.RunDuration(step.Row, now));
    }
}
