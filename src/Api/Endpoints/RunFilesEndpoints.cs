using System.IO.Compression;
using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Auth;
using Narwhal.Api.Downloads;
using Narwhal.Api.Runs;
using Narwhal.Core.Results;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Endpoints;

/// <summary>What a run produced besides its console: JUnit reports (zip, summary) and artifacts.</summary>
public static class RunFilesEndpoints
{
    public static IEndpointRouteBuilder MapRunFilesEndpoints(this IEndpointRouteBuilder app)
    {
        var results = app.MapGroup("/runs/{id:guid}/results").WithTags("Results").RequireAuthorization(Scope.Read.Name());
        results.MapGet("/", Overview).WithSummary("What a run produced: console, JUnit reports, artifacts");
        results.MapGet("/junit", JunitZip).WithSummary("The JUnit XML reports as a zip");
        results.MapGet("/junit/summary", JunitSummaryJson).WithSummary("JUnit totals, suites, failed cases");
        results.MapGet("/artifacts", ListArtifacts).WithSummary("List artifacts");
        results.MapGet("/artifacts/{**path}", DownloadArtifact).WithSummary("Download an artifact");
        return app;
    }

    public sealed record FileDto(string Path, long Size, string ContentType);
    public sealed record ConsoleInfo(bool Available, long? Size, bool Truncated, string Link);
    public sealed record ResultsOverview(ConsoleInfo Console, IReadOnlyList<FileDto> Junit, string? JunitSummary, IReadOnlyList<FileDto> Artifacts, DateTime? ExpiredAt);

    /// <summary>
    /// Whose files are served: a run, or one step (attempt) of a pipeline. <paramref name="Row"/> is the runs row that
    /// holds them, <paramref name="Name"/> how answers name it, <paramref name="Base"/> the path its routes hang off.
    /// </summary>
    public sealed record FilesOf(Run Row, string Name, string Base, string ConsoleLink, string ZipName)
    {
        public static FilesOf RunOf(Run run) => new(run, $"Run {run.Id}", $"/runs/{run.Id}", $"/runs/{run.Id}/results/console",
            $"run-{run.JobName}-{run.Number}-junit.zip");
    }

    public static async Task<Results<Ok<ResultsOverview>, ProblemHttpResult>> Overview(Guid id, RunStore runs, RunFileStore files, RunStepStore steps, CancellationToken ct)
    {
        if (await runs.GetTopLevelAsync(id, ct) is not { } run) return Problems.NotFound($"No run with id {id}.");
        if (!run.Pipeline) return await OverviewOf(FilesOf.RunOf(run), files, ct);
        // A pipeline keeps its files in its steps; of its own it has the summary that adds theirs up.
        var summaries = run.ResultsExpiredAt is null ? await steps.JunitSummaryKeysAsync(id, ct) : [];
        return TypedResults.Ok(new ResultsOverview(new ConsoleInfo(false, null, false, $"/runs/{id}/results/console"), [],
            summaries.Count == 0 ? null : $"/runs/{id}/results/junit/summary", [], run.ResultsExpiredAt?.UtcDateTime));
    }

    public static async Task<Results<Ok<ResultsOverview>, ProblemHttpResult>> OverviewOf(FilesOf of, RunFileStore files, CancellationToken ct)
    {
        var run = of.Row;
        var all = await files.ListAsync(run.Id, null, ct);
        var summary = await files.JunitSummaryKeyAsync(run.Id, ct);
        return TypedResults.Ok(new ResultsOverview(
            new ConsoleInfo(run.ResultsExpiredAt is null && (run.LogKey is not null || run.Status.IsActive()), run.LogSize, run.LogTruncated, of.ConsoleLink),
            all.Where(f => f.Kind == RunFileKind.Junit).Select(f => new FileDto(f.Path, f.Size, f.ContentType)).ToList(),
            summary is null ? null : $"{of.Base}/results/junit/summary",
            all.Where(f => f.Kind == RunFileKind.Artifact).Select(f => new FileDto(f.Path, f.Size, f.ContentType)).ToList(),
            run.ResultsExpiredAt?.UtcDateTime));
    }

    /// <summary>The JUnit XML files as one zip, streamed as it is built.</summary>
    public static async Task<IResult> JunitZip(Guid id, RunStore runs, RunFileStore files, IObjectStore store, HttpContext context, CancellationToken ct) =>
        await runs.GetTopLevelAsync(id, ct) is { } run
            ? await JunitZipOf(FilesOf.RunOf(run), files, store, ct)
            : Problems.NotFound($"No run with id {id}.");

    public static async Task<IResult> JunitZipOf(FilesOf of, RunFileStore files, IObjectStore store, CancellationToken ct)
    {
        if (of.Row.ResultsExpiredAt is { } expired) return Problems.Expired(of.Row.Id, expired);
        var reports = await files.ListAsync(of.Row.Id, RunFileKind.Junit, ct);
        if (reports.Count == 0) return Problems.NotFound(of.Row.Pipeline
            ? $"{of.Name} is a pipeline: its JUnit reports are its steps', at {of.Base}/steps/{{key}}/results/junit."
            : $"{of.Name} has no JUnit reports.");
        return new ZipResult(of.ZipName, reports, store, of.Row.Status.IsTerminal());
    }

    /// <summary>A run's JUnit summary; a pipeline's adds up its steps' (<see cref="JunitSummaries"/>).</summary>
    public static async Task<IResult> JunitSummaryJson(Guid id, RunStore runs, RunFileStore files, RunStepStore steps, IObjectStore store, CancellationToken ct)
    {
        if (await runs.GetTopLevelAsync(id, ct) is not { } run) return Problems.NotFound($"No run with id {id}.");
        if (!run.Pipeline) return await JunitSummaryOf(FilesOf.RunOf(run), files, store, ct);
        if (run.ResultsExpiredAt is { } expired) return Problems.Expired(id, expired);
        var keys = await steps.JunitSummaryKeysAsync(id, ct);
        if (keys.Count == 0) return Problems.NotFound($"No step of run {id} has a JUnit summary (yet).");
        return TypedResults.Ok(await JunitSummaries.CombineAsync(store, keys, ct));
    }

    public static async Task<IResult> JunitSummaryOf(FilesOf of, RunFileStore files, IObjectStore store, CancellationToken ct)
    {
        if (of.Row.ResultsExpiredAt is { } expired) return Problems.Expired(of.Row.Id, expired);
        var key = await files.JunitSummaryKeyAsync(of.Row.Id, ct);
        return key is null
            ? Problems.NotFound($"{of.Name} has no JUnit summary (no report matched its results.junit patterns, or it has not ended).")
            : new StoredObjectResult(store, key, "application/json", of.Row.Status.IsTerminal(), $"The JUnit summary of {Lower(of.Name)} is missing from storage.");
    }

    public static async Task<Results<Ok<Dtos.PageDto<FileDto>>, ProblemHttpResult>> ListArtifacts(Guid id, RunStore runs, RunFileStore files, CancellationToken ct) =>
        await runs.GetTopLevelAsync(id, ct) is { } run ? await ArtifactsOf(FilesOf.RunOf(run), files, ct) : Problems.NotFound($"No run with id {id}.");

    public static async Task<Results<Ok<Dtos.PageDto<FileDto>>, ProblemHttpResult>> ArtifactsOf(FilesOf of, RunFileStore files, CancellationToken ct)
    {
        var artifacts = await files.ListAsync(of.Row.Id, RunFileKind.Artifact, ct);
        return TypedResults.Ok(new Dtos.PageDto<FileDto>(artifacts.Select(f => new FileDto(f.Path, f.Size, f.ContentType)).ToList(), null));
    }

    public static async Task<IResult> DownloadArtifact(Guid id, string path, RunStore runs, RunFileStore files, IObjectStore store, HttpContext context, CancellationToken ct)
    {
        if (RefuseUnsafe(path, context) is { } refused) return refused;
        return await runs.GetTopLevelAsync(id, ct) is { } run
            ? await ArtifactOf(FilesOf.RunOf(run), path, files, store, context, ct)
            : Problems.NotFound($"No run with id {id}.");
    }

    /// <summary>
    /// Kestrel removes dot segments and decodes %2e before routing, so the request line as the client sent it is
    /// checked too: a climbing or encoded path is refused, not quietly rewritten.
    /// </summary>
    public static IResult? RefuseUnsafe(string path, HttpContext context)
    {
        var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? "";
        var rawPath = rawTarget.Split('?')[0];
        return ArtifactPaths.IsSafe(path) && ArtifactPaths.IsSafe(rawPath)
            ? null
            : Problems.Invalid("path", "Artifact paths are relative, without '..', '\\\\', encoded separators or control characters.");
    }

    public static async Task<IResult> ArtifactOf(FilesOf of, string path, RunFileStore files, IObjectStore store, HttpContext context, CancellationToken ct)
    {
        if (of.Row.ResultsExpiredAt is { } expired) return Problems.Expired(of.Row.Id, expired);
        var file = (await files.ListAsync(of.Row.Id, RunFileKind.Artifact, ct)).FirstOrDefault(f => f.Path == path);
        if (file is null) return Problems.NotFound($"{of.Name} has no artifact '{path}'.");
        context.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = Path.GetFileName(path), Inline = false }.ToString();
        return new StoredObjectResult(store, file.ObjectKey, file.ContentType, of.Row.Status.IsTerminal(), $"Artifact '{path}' of {Lower(of.Name)} is missing from storage.");
    }

    private static string Lower(string name) => $"{char.ToLowerInvariant(name[0])}{name[1..]}";

    private sealed class ZipResult(string fileName, IReadOnlyList<RunFile> files, IObjectStore store, bool immutable) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var ct = context.RequestAborted;
            context.Response.ContentType = "application/zip";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
            context.Response.Headers.CacheControl = immutable ? "private, max-age=31536000, immutable" : "no-store";
            // ZipArchive writes synchronously to its stream: buffer the response body for it.
            var syncIo = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>();
            if (syncIo is not null) syncIo.AllowSynchronousIO = true;
            using var zip = new ZipArchive(context.Response.Body, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var file in files)
            {
                await using var stored = await store.GetAsync(file.ObjectKey, null, ct);
                if (stored is null) continue;
                await using var entry = zip.CreateEntry(file.Path, CompressionLevel.Fastest).Open();
                await stored.Content.CopyToAsync(entry, ct);
            }
        }
    }
}

/// <summary>The one place artifact paths from URLs are judged.</summary>
public static class ArtifactPaths
{
    public static bool IsSafe(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > 1024) return false;
        if (path.Contains('\\') || path.Any(char.IsControl)) return false;
        if (path.Contains("%2e", StringComparison.OrdinalIgnoreCase) || path.Contains("%2f", StringComparison.OrdinalIgnoreCase)
            || path.Contains("%5c", StringComparison.OrdinalIgnoreCase)) return false;
        return path.Split('/').All(segment => segment is not ("." or ".."));
    }
}
