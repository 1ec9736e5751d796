using System.Formats.Tar;
using Microsoft.Extensions.FileSystemGlobbing;
using Narwhal.Core.Persistence;
using Narwhal.Core.Results;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;
using Narwhal.Runner.Docker;

namespace Narwhal.Runner.Execution;

/// <summary>
/// After the script, whatever its outcome: copies the files matching <c>results.junit</c> and
/// <c>results.artifacts</c> out of the container (Docker archive API, streamed), stores them, and
/// stores a JUnit summary. A pattern that matches nothing is a warning in the log; a report that
/// does not parse is recorded as unparseable; neither changes the run's status.
/// </summary>
public sealed class ResultCollector(IContainerEngine engine, IObjectStore store, RunFileStore files, RunnerSettings settings, ILogger<ResultCollector> logger)
{
    public static string SummaryKey(Guid runId) => $"runs/{runId}/junit-summary.json";

    public async Task CollectAsync(ClaimedRun claimed, JobPlan plan, string containerId, LogSpool log, CancellationToken ct)
    {
        if (plan.Results.Junit.Count == 0 && plan.Results.Artifacts.Count == 0) return;
        var junit = Matcher(plan.Results.Junit);
        var artifacts = Matcher(plan.Results.Artifacts);
        var reports = new List<JunitReport>();
        var unmatched = plan.Results.Junit.Select(g => ("junit", g)).Concat(plan.Results.Artifacts.Select(g => ("artifacts", g))).ToHashSet();
        var matchedJunit = 0;
        var matchedArtifacts = 0;
        long artifactBytes = 0;

        await using var archive = await engine.GetArchiveAsync(containerId, ContainerSpecFactory.WorkspacePath, ct);
        if (archive is not null)
        {
            await using var reader = new TarReader(archive);
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                // Entries come as "workspace/<path>".
                var slash = entry.Name.IndexOf('/');
                if (slash < 0) continue;
                var path = entry.Name[(slash + 1)..];
                unmatched.RemoveWhere(p => Matches(Matcher([p.Item2]), path));
                if (Matches(junit, path))
                {
                    matchedJunit++;
                    reports.Add(await StoreJunitAsync(claimed, entry, path, ct));
                }
                else if (Matches(artifacts, path))
                {
                    matchedArtifacts++;
                    if (artifactBytes + entry.Length > settings.ArtifactsMaxBytes)
                    {
                        await log.WriteNoticeAsync($"Artifact {path} ({entry.Length} bytes) skipped: the run's artifacts exceed NARWHAL_ARTIFACTS_MAX_MB.");
                        continue;
                    }
                    artifactBytes += entry.Length;
                    await StoreAsync(claimed, RunFileKind.Artifact, path, entry.DataStream, entry.Length, ContentTypes.For(path), ct);
                }
            }
        }

        foreach (var (section, glob) in unmatched)
            await log.WriteNoticeAsync($"Warning: results.{section} pattern {glob} matched no file.");
        if (reports.Count > 0)
        {
            var summary = JunitSummary.Combine(reports);
            using var json = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Json.Serialize(summary)));
            await store.PutAsync(SummaryKey(claimed.Run.Id), json, "application/json", ct);
            await files.SetJunitSummaryAsync(claimed.Run.Id, claimed.AttemptId, SummaryKey(claimed.Run.Id), ct);
            foreach (var bad in reports.Where(r => !r.Parsed))
                await log.WriteNoticeAsync($"Warning: JUnit report {bad.FileName} could not be parsed: {bad.Error}");
        }
        logger.LogInformation("Run {RunId}: stored {Junit} JUnit report(s) and {Artifacts} artifact(s)", claimed.Run.Id, matchedJunit, matchedArtifacts);
    }

    /// <summary>The report is spooled to a temporary file (parsed, then uploaded, then deleted) rather than held in memory.</summary>
    private async Task<JunitReport> StoreJunitAsync(ClaimedRun claimed, TarEntry entry, string path, CancellationToken ct)
    {
        var temp = Path.GetTempFileName();
        try
        {
            await using (var file = File.Create(temp))
                await entry.DataStream!.CopyToAsync(file, ct);
            JunitReport report;
            await using (var file = File.OpenRead(temp))
                report = await JunitParser.ParseAsync(file, path, ct);
            await using (var file = File.OpenRead(temp))
                await StoreAsync(claimed, RunFileKind.Junit, path, file, file.Length, "application/xml", ct);
            return report;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task StoreAsync(ClaimedRun claimed, RunFileKind kind, string path, Stream content, long size, string contentType, CancellationToken ct)
    {
        var key = $"runs/{claimed.Run.Id}/{(kind == RunFileKind.Junit ? "junit" : "artifacts")}/{path}";
        await store.PutAsync(key, content, contentType, ct);
        await files.AddAsync(claimed.Run.Id, claimed.AttemptId, new RunFile(kind, path, size, contentType, key), ct);
    }

    private static Matcher? Matcher(IReadOnlyList<string> globs)
    {
        if (globs.Count == 0) return null;
        var matcher = new Matcher(StringComparison.Ordinal);
        foreach (var glob in globs) matcher.AddInclude(glob);
        return matcher;
    }

    private static bool Matches(Matcher? matcher, string path) =>
        matcher is not null && matcher.Match("/w", ["/w/" + path]).HasMatches;
}
