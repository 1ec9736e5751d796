using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Narwhal.Api.Runs;
using Narwhal.Core.Persistence;
using Narwhal.Core.Results;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;
using Narwhal.Testing;
using static Narwhal.Bench.PhaseStack;

namespace Narwhal.Bench;

/// <summary>
/// Phase 6: the web UI's server-side render time on a big history. One job with <c>--ui-runs</c> (10,000) runs and
/// <c>--ui-jobs</c> (300) other jobs with a few runs each, seeded straight into Postgres; a finished run with a 4 MiB
/// coloured console log and a JUnit summary in S3. Each page is then fetched <c>--ui-requests</c> (200) times, one at
/// a time, signed in with the session cookie: the client's time (request sent → whole page read) and the Api's own
/// (its <c>Server-Timing: app;dur=</c>, from the first middleware to the first byte of the answer).
/// </summary>
public static partial class UiPhase
{
    private const string BigJob = "bench-ui";
    private const int WarmupRequests = 20;
    private const int LogBytes = 4 * 1024 * 1024;

    public static Task<UiResult> RunAsync(BenchOptions options, Action<string> say, CancellationToken ct) =>
        WithStackAsync<UiResult>(say, (stack, _, problems) => MeasureAsync(options, stack, problems, say, ct), (r, l) => r with { LeftoversRemoved = l });

    private static async Task<UiResult> MeasureAsync(BenchOptions options, TestStack stack, List<string> problems, Action<string> say, CancellationToken ct)
    {
        var seeding = Stopwatch.StartNew();
        var seeded = await SeedAsync(stack, options, ct);
        say($"seeded {options.UiRuns} runs of {BigJob} and {options.UiJobs} jobs × 3 runs in {seeding.Elapsed.TotalSeconds:0.0} s; " +
            $"run #{seeded.LogRunNumber} has a {LogBytes / 1024 / 1024} MiB log and a JUnit summary");

        using var http = await SignInAsync(stack.ApiUrl, ct);
        var pages = new (string Name, string Path)[]
        {
            ($"job page, newest {25} of {options.UiRuns} runs", $"/ui/jobs/{BigJob}"),
            ($"job page, deep cursor (older than #{seeded.DeepNumber})", $"/ui/jobs/{BigJob}?cursor={seeded.DeepCursor}"),
            ($"run page ({LogBytes / 1024 / 1024} MiB log: last 256 KiB, JUnit)", $"/ui/runs/{seeded.LogRunId}"),
            ($"jobs page (first 50 of {options.UiJobs + 1}, last run each)", "/ui/jobs"),
            ("jobs page filtered (?q=07)", "/ui/jobs?q=07"),
            ("dashboard", "/ui"),
        };
        var results = new List<UiPageResult>();
        foreach (var (name, path) in pages)
        {
            ct.ThrowIfCancellationRequested();
            var page = await MeasurePageAsync(http, name, path, options.UiRequests, problems, ct);
            say($"{name}: server p50 {page.Server.P50:0.0} ms, p99 {page.Server.P99:0.0} ms; client p50 {page.Client.P50:0.0} ms ({page.Bytes / 1024} KiB)");
            results.Add(page);
        }
        return new UiResult(options.UiRuns, options.UiJobs, Math.Round(seeding.Elapsed.TotalSeconds, 1), options.UiRequests, WarmupRequests,
            results, problems, []);
    }

    private static async Task<UiPageResult> MeasurePageAsync(HttpClient http, string name, string path, int requests, List<string> problems, CancellationToken ct)
    {
        var client = new List<double>(requests);
        var server = new List<double>(requests);
        long bytes = 0;
        for (var i = 0; i < WarmupRequests + requests; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(path, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                problems.Add($"{name}: GET {path} answered {(int)response.StatusCode}");
                break;
            }
            if (i < WarmupRequests) continue;
            bytes = body.Length;
            client.Add(elapsed);
            if (response.Headers.TryGetValues("Server-Timing", out var timing) && ServerDuration(timing.First()) is { } ms) server.Add(ms);
        }
        if (server.Count < client.Count) problems.Add($"{name}: {client.Count - server.Count} answers without Server-Timing");
        return new UiPageResult(name, path, bytes, Series.Of("server (Server-Timing)", server), Series.Of("client (sent → page read)", client));
    }

    private static double? ServerDuration(string header) =>
        DurationPattern().Match(header) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"app;dur=([0-9.]+)")]
    private static partial Regex DurationPattern();

    /// <summary>The sign-in form, as a browser posts it: its antiforgery token, the token; the cookie jar keeps the session.</summary>
    private static async Task<HttpClient> SignInAsync(Uri api, CancellationToken ct)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = api };
        http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var form = await http.GetStringAsync("/ui/sign-in", ct);
        var token = AntiforgeryPattern().Match(form) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value)
            : throw new InvalidOperationException("The sign-in page has no antiforgery token.");
        var signIn = await http.PostAsync("/ui/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["Token"] = TestStack.AdminToken,
        }), ct);
        if (signIn.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"Sign-in answered {(int)signIn.StatusCode}.");
        return http;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryPattern();

    private sealed record Seeded(Guid LogRunId, int LogRunNumber, int DeepNumber, string DeepCursor);

    /// <summary>
    /// Jobs through the Api (so they are what a PUT makes), runs straight into Postgres (one INSERT … SELECT per job
    /// kind): finished runs a minute apart, mostly succeeded, some failed, with a commit and a branch.
    /// </summary>
    private static async Task<Seeded> SeedAsync(TestStack stack, BenchOptions options, CancellationToken ct)
    {
        using (var admin = stack.Client())
        {
            await PutJobAsync(admin, BigJob, ["true"], ct);
            for (var i = 1; i <= options.UiJobs; i++) await PutJobAsync(admin, $"bench-ui-{i:000}", ["true"], ct);
        }
        await using var connection = await stack.Database.DataSource.OpenConnectionAsync(ct);
        const string insert = """
            INSERT INTO runs (id, job_id, job_name, number, status, status_reason, resource_class, commit_sha, branch, parameters,
                              trigger, attempt, runner_id, exit_code, created_at, started_at, finished_at, updated_at)
            SELECT gen_random_uuid(), j.id, j.name, n,
                   CASE WHEN n % 10 = 0 THEN @failed ELSE @succeeded END,
                   CASE WHEN n % 10 = 0 THEN 'The script exited with code 1.' END,
                   'small', md5(j.name || n), CASE WHEN n % 3 = 0 THEN 'feature/x' ELSE 'main' END, '{}'::jsonb,
                   @trigger::jsonb, 1, 'bench-runner', CASE WHEN n % 10 = 0 THEN 1 ELSE 0 END,
                   ts, ts + interval '2 seconds', ts + interval '40 seconds', ts + interval '40 seconds'
            FROM jobs j, generate_series(1, @count) n,
                 LATERAL (SELECT now() - make_interval(mins => @count - n + 1) AS ts) t
            WHERE j.name LIKE @pattern
            """;
        var common = new
        {
            failed = RunStatus.Failed.Name(), succeeded = RunStatus.Succeeded.Name(),
            trigger = Json.Serialize(new RunTrigger { Kind = TriggerKind.Api, TokenName = "bench" })
        };
        await connection.ExecuteAsync(new CommandDefinition(insert, new { common.failed, common.succeeded, common.trigger, count = options.UiRuns, pattern = BigJob },
            cancellationToken: ct, commandTimeout: 600));
        await connection.ExecuteAsync(new CommandDefinition(insert, new { common.failed, common.succeeded, common.trigger, count = 3, pattern = "bench-ui-%" },
            cancellationToken: ct, commandTimeout: 600));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE jobs SET next_run_number = (SELECT max(number) + 1 FROM runs WHERE runs.job_id = jobs.id) WHERE name LIKE 'bench-ui%'", cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("ANALYZE runs", cancellationToken: ct));

        // The newest run gets a console log and a JUnit summary in storage, like a real finished run.
        var (logRunId, logRunNumber) = await connection.QuerySingleAsync<(Guid, int)>(new CommandDefinition(
            "SELECT id, number FROM runs WHERE job_name = @BigJob ORDER BY number DESC LIMIT 1", new { BigJob }, cancellationToken: ct));
        var store = stack.ApiService<IObjectStore>();
        var logKey = $"runs/{logRunId}/console.log";
        await store.PutAsync(logKey, new MemoryStream(ColouredLog(LogBytes)), "text/plain; charset=utf-8", ct);
        var summaryKey = $"runs/{logRunId}/junit-summary.json";
        await store.PutAsync(summaryKey, new MemoryStream(Encoding.UTF8.GetBytes(Json.Serialize(JunitSummaryWithFailures(20)))), "application/json", ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE runs SET log_key = @logKey, log_size = @LogBytes, junit_summary_key = @summaryKey WHERE id = @logRunId",
            new { logKey, LogBytes, summaryKey, logRunId }, cancellationToken: ct));

        // A page deep in the history: the runs older than run #(count / 100 × 2), i.e. near the end of the keyset.
        var deepNumber = Math.Max(2, options.UiRuns / 50);
        var deep = await connection.QuerySingleAsync<(DateTime CreatedAt, Guid Id)>(new CommandDefinition(
            "SELECT created_at, id FROM runs WHERE job_name = @BigJob AND number = @deepNumber", new { BigJob, deepNumber }, cancellationToken: ct));
        var cursor = new RunCursor(new DateTimeOffset(DateTime.SpecifyKind(deep.CreatedAt, DateTimeKind.Utc)), deep.Id).Encode();
        return new Seeded(logRunId, logRunNumber, deepNumber, cursor);
    }

    private static byte[] ColouredLog(int size)
    {
        var text = new StringBuilder(size + 200);
        for (var line = 1; text.Length < size; line++)
            text.Append(line % 7 == 0 ? $"\u001b[31mERROR\u001b[0m step {line}: something went wrong, retrying\n"
                : $"\u001b[32mok\u001b[0m    step {line}: compiled module {line % 97} in {line % 13} ms\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static JunitSummaryResult JunitSummaryWithFailures(int failures) => new()
    {
        Files = 1, ParsedFiles = 1, Totals = new JunitTotals(500, failures, 0, 3, 12.5),
        Suites = [new JunitSummarySuite("reports/unit.xml", "unit", new JunitTotals(500, failures, 0, 3, 12.5))], SuitesTruncated = false,
        Failures = Enumerable.Range(1, failures).Select(i => new JunitFailure("unit", "CalcTests", $"case_{i}", JunitFailure.FailureKind,
            $"expected {i} but was {i + 1}", "AssertionError", $"at CalcTests.case_{i} (calc.test.js:{i})\n--- system-out ---\nworking on {i}")).ToList(),
        FailuresTruncated = false, Unparseable = [],
    };
}

public sealed record UiPageResult(string Name, string Path, long Bytes, Series Server, Series Client);

public sealed record UiResult(int Runs, int OtherJobs, double SeedSeconds, int Requests, int Warmup, IReadOnlyList<UiPageResult> Pages,
    IReadOnlyList<string> Problems, IReadOnlyList<string> LeftoversRemoved);
