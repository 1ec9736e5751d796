using Narwhal.Core.Persistence;
using Narwhal.Core.Results;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Ui;

/// <summary>What a runs row (a run, or one attempt of a pipeline step) produced, as its page shows it.</summary>
public sealed record RunOutput(LogWindow Log, JunitSummaryResult? Tests, string? TestsUnavailable, IReadOnlyList<RunFile> Artifacts);

/// <summary>
/// Reads a <see cref="RunOutput"/>: the end of the console log, the JUnit summary and the artifacts, at once (Postgres
/// and S3: the page waits for the slowest, not for their sum). Nothing of it once retention deleted the results.
/// </summary>
public sealed class RunOutputReader(LogTail logTail, RunFileStore files, IObjectStore store)
{
    public async Task<RunOutput> ReadAsync(Run row, CancellationToken ct)
    {
        var log = logTail.ReadAsync(row, ct);
        var kept = row.ResultsExpiredAt is null;
        var artifacts = kept ? files.ListAsync(row.Id, RunFileKind.Artifact, ct) : Task.FromResult<IReadOnlyList<RunFile>>([]);
        var tests = kept ? ReadTestsAsync(row.Id, ct) : Task.FromResult<(JunitSummaryResult?, string?)>((null, null));
        await Task.WhenAll(log, artifacts, tests);
        var (summary, unavailable) = tests.Result;
        return new RunOutput(log.Result, summary, unavailable, artifacts.Result);
    }

    private async Task<(JunitSummaryResult? Summary, string? Unavailable)> ReadTestsAsync(Guid rowId, CancellationToken ct)
    {
        var key = await files.JunitSummaryKeyAsync(rowId, ct);
        if (key is null) return (null, null);
        await using var stored = await store.GetAsync(key, null, ct);
        if (stored is null) return (null, "The JUnit summary is missing from storage.");
        using var reader = new StreamReader(stored.Content);
        return (Json.Deserialize<JunitSummaryResult>(await reader.ReadToEndAsync(ct)), null);
    }
}
