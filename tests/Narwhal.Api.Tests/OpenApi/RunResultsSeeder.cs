using System.Text;
using Narwhal.Core.Persistence;
using Narwhal.Core.Results;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;
using Narwhal.Runner.Claiming;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>
/// Plays the Runner's part for a queued run, straight against the stores the Runner uses: claim it,
/// upload a console log, a JUnit report and summary and two artifacts, and end it. No container runs.
/// </summary>
internal sealed class RunResultsSeeder(TestStack stack)
{
    public const string Log = "tour: hello from a seeded run\ntour: done\n";
    public const string TextArtifact = "dist/app.txt";
    public const string BinaryArtifact = "dist/tool.bin";

    private readonly RunAttemptStore _attempts = new(stack.Database.DataSource);
    private readonly RunFileStore _files = stack.ApiService<RunFileStore>();
    private readonly IObjectStore _store = stack.ApiService<IObjectStore>();

    /// <summary>Moves the run to running, as a Runner's claim does; answers the attempt id.</summary>
    public async Task<Guid> ClaimAsync(Guid runId)
    {
        var claim = await _attempts.ClaimAsync(runId, "tour-runner", CancellationToken.None);
        return claim.Claimed?.AttemptId ?? throw new InvalidOperationException($"Run {runId} could not be claimed (it is {claim.FoundStatus?.ToString() ?? "missing"}).");
    }

    public async Task FinishWithResultsAsync(Guid runId)
    {
        var ct = CancellationToken.None;
        var attempt = await ClaimAsync(runId);
        var prefix = $"tour/{runId}";

        await PutAsync($"{prefix}/console.log", Log, "text/plain; charset=utf-8");
        await AddFileAsync(runId, attempt, RunFileKind.Junit, "reports/TEST-tour.xml", $"{prefix}/junit/TEST-tour.xml",
            """<testsuite name="tour" tests="1"><testcase classname="tour" name="walks"/></testsuite>""", "application/xml");
        await PutAsync($"{prefix}/junit-summary.json", Json.Serialize(Summary()), "application/json");
        await _files.SetJunitSummaryAsync(runId, attempt, $"{prefix}/junit-summary.json", ct);
        await AddFileAsync(runId, attempt, RunFileKind.Artifact, TextArtifact, $"{prefix}/artifacts/app.txt", "built by the tour\n", "text/plain");
        await AddFileAsync(runId, attempt, RunFileKind.Artifact, BinaryArtifact, $"{prefix}/artifacts/tool.bin", "\u0001\u0002binary", "application/octet-stream");

        await _attempts.FinishAsync(runId, attempt, new RunCompletion
        {
            Status = RunStatus.Succeeded, ExitCode = 0, LogKey = $"{prefix}/console.log", LogSize = Encoding.UTF8.GetByteCount(Log),
        }, ct);
    }

    private async Task AddFileAsync(Guid runId, Guid attempt, RunFileKind kind, string path, string key, string content, string contentType)
    {
        await PutAsync(key, content, contentType);
        var added = await _files.AddAsync(runId, attempt, new RunFile(kind, path, Encoding.UTF8.GetByteCount(content), contentType, key), CancellationToken.None);
        if (!added) throw new InvalidOperationException($"Run {runId}: {path} was not recorded (attempt not current).");
    }

    private async Task PutAsync(string key, string content, string contentType)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        await _store.PutAsync(key, stream, contentType, CancellationToken.None);
    }

    private static JunitSummaryResult Summary()
    {
        var totals = new JunitTotals(1, 0, 0, 0, 0.01);
        return new JunitSummaryResult
        {
            Files = 1, ParsedFiles = 1, Totals = totals, Suites = [new JunitSummarySuite("TEST-tour.xml", "tour", totals)],
            SuitesTruncated = false, Failures = [], FailuresTruncated = false, Unparseable = [],
        };
    }
}
