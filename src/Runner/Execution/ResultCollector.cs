using System.Formats.Tar;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.FileSystemGlobbing;
using Narwhal.Core.Persistence;
using Narwhal.Core.Results;
using Narwhal.Core.Storage;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Junit;
using Narwhal.Runner.Masking;

namespace Narwhal.Runner.Execution;

/// <summary>
/// After the script, whatever its outcome: copies the files matching <c>results.junit</c> and
/// <c>results.artifacts</c> out of the container (Docker archive API, streamed), stores them, and
/// stores a JUnit summary. A pattern that matches nothing is a warning in the log; a report that
/// does not parse (an empty file included) is recorded as unparseable; a file whose name cannot be
/// stored, or that fails to store, is skipped with a warning; none of these stops the other files
/// or changes the run's status.
/// </summary>
/// <remarks>
/// The run's secrets are masked in everything Narwhal derives and shows: the JUnit summary (names,
/// messages, output), the stored file names, the warnings. The contents of the files themselves are
/// the job's own and are stored byte for byte: rewriting them would corrupt binaries and checksums.
/// </remarks>
public sealed class ResultCollector(IContainerEngine engine, IObjectStore store, RunFileStore files, RunnerSettings settings, ILogger<ResultCollector> logger)
{
    public static string SummaryKey(Guid runId) => $"runs/{runId}/junit-summary.json";

    public async Task CollectAsync(ClaimedRun claimed, JobPlan plan, string containerId, LogSpool log, CancellationToken ct)
    {
        if (plan.Results.Junit.Count == 0 && plan.Results.Artifacts.Count == 0) return;
        var masker = new SecretMasker(plan.SecretValues);
        var junit = Matcher(plan.Results.Junit);
        var artifacts = Matcher(plan.Results.Artifacts);
        var reports = new List<JunitReport>();
        var unmatched = plan.Results.Junit.Select(g => ("junit", g)).Concat(plan.Results.Artifacts.Select(g => ("artifacts", g))).ToHashSet();
        var storedArtifacts = 0;
        long artifactBytes = 0;

        await using var archive = await engine.GetArchiveAsync(containerId, ContainerSpecFactory.WorkspacePath, ct);
        if (archive is not null)
        {
            await using var reader = new TarReader(archive);
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                // Entries come as "workspace/<path>".
                var slash = entry.Name.IndexOf('/');
                if (slash < 0) continue;
                var path = entry.Name[(slash + 1)..];
                unmatched.RemoveWhere(p => Matches(Matcher([p.Item2]), path));
                var isJunit = Matches(junit, path);
                if (!isJunit && !Matches(artifacts, path)) continue;

                // The name is stored and shown: masked like everything else derived from the run.
                var name = masker.MaskText(path);
                if (OddName(name) is { } problem)
                {
                    await log.WriteNoticeAsync($"Warning: skipped {Printable(name)}: {problem}.");
                    continue;
                }
                // The engine gives an empty file no data stream; it is still a file.
                var content = entry.DataStream ?? Stream.Null;
                if (!isJunit && artifactBytes + entry.Length > settings.ArtifactsMaxBytes)
                {
                    await log.WriteNoticeAsync($"Artifact {Printable(name)} ({entry.Length} bytes) skipped: the run's artifacts exceed NARWHAL_ARTIFACTS_MAX_MB.");
                    continue;
                }
                try
                {
                    if (isJunit)
                    {
                        reports.Add(await StoreJunitAsync(claimed, content, name, masker, ct));
                    }
                    else
                    {
                        await StoreAsync(claimed, RunFileKind.Artifact, name, content, entry.Length, ContentTypes.For(path), ct);
                        artifactBytes += entry.Length;
                        storedArtifacts++;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One file the store refuses (a name it cannot take, a failure after the retries) costs that file only.
                    logger.LogWarning(ex, "Run {RunId}: storing {Path} failed", claimed.Run.Id, Printable(name));
                    await log.WriteNoticeAsync($"Warning: skipped {Printable(name)}: it could not be stored: {Printable(masker.MaskText(ex.Message))}");
                }
            }
        }

        foreach (var (section, glob) in unmatched)
            await log.WriteNoticeAsync($"Warning: results.{section} pattern {glob} matched no file.");
        if (reports.Count > 0)
        {
            // The reports were masked as they were read, so the summary holds no secret.
            var summary = JunitSummary.Combine(reports);
            using var json = new MemoryStream(Encoding.UTF8.GetBytes(Json.Serialize(summary)));
            await store.PutAsync(SummaryKey(claimed.Run.Id), json, "application/json", ct);
            await files.SetJunitSummaryAsync(claimed.Run.Id, claimed.AttemptId, SummaryKey(claimed.Run.Id), ct);
            foreach (var bad in reports.Where(r => !r.Parsed))
                await log.WriteNoticeAsync($"Warning: JUnit report {Printable(bad.FileName)} could not be parsed: {Printable(bad.Error ?? "")}");
        }
        logger.LogInformation("Run {RunId}: stored {Junit} JUnit report(s) and {Artifacts} artifact(s)", claimed.Run.Id, reports.Count, storedArtifacts);
    }

    /// <summary>The report is spooled to a temporary file (parsed, then uploaded, then deleted) rather than held in memory.</summary>
    private async Task<JunitReport> StoreJunitAsync(ClaimedRun claimed, Stream content, string name, SecretMasker masker, CancellationToken ct)
    {
        var temp = Path.GetTempFileName();
        try
        {
            await using (var file = File.Create(temp))
                await content.CopyToAsync(file, ct);
            JunitReport report;
            await using (var file = File.OpenRead(temp))
                report = await JunitParser.ParseAsync(file, name, masker, ct);
            await using (var file = File.OpenRead(temp))
                await StoreAsync(claimed, RunFileKind.Junit, name, file, file.Length, "application/xml", ct);
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

    /// <summary>
    /// Why a file name cannot be kept as it is, or null. The engine's archive decodes a name that is not UTF-8 to
    /// U+FFFD, so such a name no longer names the file; control characters and backslashes are refused by the object
    /// store (its keys must be the same on S3 and on disk) and would garble the listings.
    /// </summary>
    private static string? OddName(string path) =>
        path.Contains('\uFFFD') ? "its name is not valid UTF-8"
        : path.Any(char.IsControl) ? "its name contains a control character"
        : path.Contains('\\') ? "its name contains a backslash"
        : null;

    /// <summary>
    /// <paramref name="text"/> safe to put on one line of the log: backslashes doubled, control, format (zero-width,
    /// bidirectional) and separator characters and U+FFFD escaped as <c>\n</c>, <c>\xNN</c> or <c>\uNNNN</c>.
    /// </summary>
    internal static string Printable(string text)
    {
        var printable = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            printable.Append(rune.Value switch
            {
                '\\' => @"\\",
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                _ when category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                    or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned
                    || rune == Rune.ReplacementChar => rune.Value switch
                    {
                        <= 0xFF => $@"\x{rune.Value:X2}",
                        <= 0xFFFF => $@"\u{rune.Value:X4}",
                        _ => $@"\U{rune.Value:X8}",
                    },
                _ => rune.ToString(),
            });
        }
        return printable.ToString();
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
