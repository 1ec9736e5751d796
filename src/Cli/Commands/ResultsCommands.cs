using System.Globalization;
using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary><c>results RUN</c> (the JUnit summary) and <c>results download RUN</c> (reports, artifacts, console to disk: <see cref="ResultsDownload"/>).</summary>
public static class ResultsCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("results", "narwhal results RUN [--step KEY [--attempt N]]", "a run's test results: totals and the failed tests", Summary)
        {
            Argument = ArgKind.Run,
            Options = ["step", "attempt"],
            Details = """
                RUN is a run id or JOB/NUMBER. Shows the totals of the run's JUnit reports, the reports that could
                not be parsed, and a table of failed and errored tests (suite, class, name, first line of the message).
                With -o json: the API's JUnit summary as it answered.
                A run without a JUnit summary (no report matched the job's results.junit patterns, or it has not
                ended) exits 13 after listing what the run does have (console, reports, artifacts; -o json: the
                API's results overview). Files themselves: narwhal results download RUN.
                A pipeline's summary adds up its steps'; --step KEY shows one step's (--attempt N: an earlier attempt).
                """,
            Examples =
            [
                "narwhal results build/42",
                "narwhal results build/42 -o json | jq '.totals'",
                "narwhal results build/42 -o json | jq -r '.failures[] | \"\\(.className).\\(.name)\"'",
                "narwhal results release/7 --step test",
            ],
        },
        new("results download", "narwhal results download RUN [--step KEY [--attempt N]] [--kind junit|artifacts|console]... [-o|--output-dir DIR]",
            "save a run's JUnit reports (zip), artifacts and console log to a directory", ResultsDownload.RunAsync)
        {
            Argument = ArgKind.Run,
            Options = ["kind", "output-dir", "step", "attempt"],
            OutputElse = "output-dir",
            Details = """
                Without --kind, all three (what the run lacks is skipped with a note on stderr); --kind may repeat or
                list several (--kind junit,console), and a kind the run lacks is then an error (exit 13).
                DIR defaults to ./run-JOB-NUMBER. On this command -o takes a directory too: -o table and -o json are
                the output format, any other value is DIR (for a directory named json: -o ./json). Files: DIR/junit.zip (every JUnit XML report), DIR/artifacts/PATH
                (each artifact under its own path; a path that would escape DIR is refused, exit 14), DIR/console.log.
                Files are streamed to disk and replace existing ones. Prints each saved file with its size;
                -o json prints a JSON list of {kind, path, size}.
                A pipeline's files are its steps': each step's go to DIR/KEY/ (a kind no step has is an error only when
                asked for with --kind). --step KEY saves one step's (DIR defaults to ./run-JOB-NUMBER-KEY; --attempt N:
                an earlier attempt of it).
                """,
            Examples =
            [
                "narwhal results download build/42",
                "narwhal results download build/42 --kind junit --output-dir /tmp/reports",
                "narwhal results download build/42 -o reports/",
                "narwhal results download build/42 --kind artifacts,console -o json | jq -r '.[].path'",
                "narwhal results download release/7 --step test --kind junit",
            ],
        },
    ];

    private static async Task<int> Summary(CliContext cx)
    {
        var args = cx.Args;
        var reference = args.Required(1, "run id (or JOB/NUMBER): narwhal results RUN");
        var step = args.Option("step");
        var attempt = RunSteps.ParseAttempt(args.Option("attempt"), step);
        args.EnsureConsumed(2);
        var id = await RunCommands.ResolveAsync(cx, reference);
        var of = step is null ? $"/runs/{id}" : RunSteps.Path(id, step);
        var query = RunSteps.AttemptQuery(attempt);

        ApiResponse summary;
        try
        {
            summary = await cx.Client.GetAsync($"{of}/results/junit/summary{query}", cx.Cancel);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
        {
            // Either no such run or step (the overview says so in turn) or no summary: show what there is.
            var overview = await cx.Client.GetAsync($"{of}/results{query}", cx.Cancel);
            if (cx.Out.Json) cx.Out.WriteJson(overview.Body);
            else if (step is null && (await cx.Client.GetAsync($"/runs/{id}", cx.Cancel)).Json is var run && RunSteps.IsPipeline(run))
                cx.Out.Out.WriteLine($"No step of the pipeline has a JUnit summary. Its steps: {RunSteps.Keys(run)} (narwhal results {reference} --step KEY).");
            else ShowOverview(cx, overview.Json, step is null ? "The run" : $"Step '{step}'");
            throw;
        }
        if (cx.Out.Json) { cx.Out.WriteJson(summary.Body); return ExitCodes.Ok; }
        ShowSummary(cx, summary.Json, reference);
        return ExitCodes.Ok;
    }

    private static void ShowSummary(CliContext cx, JsonElement summary, string reference)
    {
        var totals = summary.P("totals");
        int Count(string name) => totals.P(name).ValueKind == JsonValueKind.Number ? totals.P(name).GetInt32() : 0;
        var (tests, failures, errors, skipped) = (Count("tests"), Count("failures"), Count("errors"), Count("skipped"));
        var passed = Math.Max(0, tests - failures - errors - skipped);
        var time = totals.P("timeSeconds").ValueKind == JsonValueKind.Number
            ? $" in {totals.P("timeSeconds").GetDouble().ToString("0.###", CultureInfo.InvariantCulture)} s"
            : "";
        var unparseable = summary.P("unparseable") is { ValueKind: JsonValueKind.Array } u ? u.EnumerateArray().ToList() : [];
        cx.Out.KeyValues([
            ("Tests", $"{tests} ({passed} passed, {failures} failed, {errors} errors, {skipped} skipped){time}"),
            ("Reports", $"{summary.S("files")} file(s)" + (unparseable.Count > 0 ? $", {unparseable.Count} could not be parsed" : "")),
        ]);
        foreach (var file in unparseable) cx.Out.Out.WriteLine($"  {file.S("fileName")}: {FirstLine(file.S("error"))}");

        var failed = summary.P("failures") is { ValueKind: JsonValueKind.Array } f ? f.EnumerateArray().ToList() : [];
        cx.Out.Out.WriteLine();
        if (failed.Count == 0)
        {
            cx.Out.Out.WriteLine(failures + errors == 0 ? "No failed tests." : "The failed tests are not listed in the reports' summary.");
            return;
        }
        cx.Out.Table(["SUITE", "CLASS", "NAME", "KIND", "MESSAGE"],
            failed.Select(c => (IReadOnlyList<string>)[c.S("suite"), c.S("className"), c.S("name"), c.S("kind"), FirstLine(c.S("message"))]).ToList(),
            (_, column, text) => column == 3 ? Output.PaintStatus("failed", text) : text);
        if (summary.S("failuresTruncated") == "true")
            cx.Out.Err.WriteLine($"(more failed tests than listed: narwhal results download {reference} --kind junit has every report)");
    }

    private static void ShowOverview(CliContext cx, JsonElement overview, string whose)
    {
        var console = overview.P("console");
        var junit = Files(overview, "junit");
        var artifacts = Files(overview, "artifacts");
        cx.Out.Out.WriteLine($"{whose} has no JUnit summary. What it has:");
        cx.Out.KeyValues([
            ("Console", console.S("available") == "true"
                ? (console.S("size") is { Length: > 0 } size ? ApiDownloads.Size(long.Parse(size, CultureInfo.InvariantCulture)) : "yes")
                  + (console.S("truncated") == "true" ? " (truncated)" : "")
                : "none"),
            ("JUnit reports", junit.Count == 0 ? "none" : string.Join(", ", junit.Select(j => j.S("path")))),
            ("Artifacts", artifacts.Count == 0 ? "none" : $"{artifacts.Count}"),
            ("Expired", overview.Time("expiredAt")),
        ]);
        if (artifacts.Count > 0)
            cx.Out.Table(["ARTIFACT", "SIZE", "TYPE"],
                artifacts.Select(a => (IReadOnlyList<string>)[a.S("path"), ApiDownloads.Size(a.P("size").GetInt64()), a.S("contentType")]).ToList());
    }

    public static List<JsonElement> Files(JsonElement overview, string name) =>
        overview.P(name) is { ValueKind: JsonValueKind.Array } files ? files.EnumerateArray().ToList() : [];

    /// <summary>
    /// The first line, its whitespace runs collapsed (XML turns a message attribute's newlines into
    /// spaces, so "first line" is often the whole message), cut to fit a table.
    /// </summary>
    private static string FirstLine(string text)
    {
        var end = text.AsSpan().TrimStart().IndexOfAny('\r', '\n');
        var line = text.TrimStart();
        if (end >= 0) line = line[..end];
        var first = string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return first.Length > 100 ? first[..99] + "…" : first;
    }
}
