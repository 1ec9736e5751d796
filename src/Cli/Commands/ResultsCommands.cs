using System.Globalization;
using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary><c>results RUN</c> (the JUnit summary) and <c>results download RUN</c> (reports, artifacts, console to disk).</summary>
public static class ResultsCommands
{
    private static readonly string[] Kinds = ["junit", "artifacts", "console"];

    public static IEnumerable<CommandSpec> Specs =>
    [
        new("results", "narwhal results RUN", "a run's test results: totals and the failed tests", Summary)
        {
            Argument = ArgKind.Run,
            Details = """
                RUN is a run id or JOB/NUMBER. Shows the totals of the run's JUnit reports, the reports that could
                not be parsed, and a table of failed and errored tests (suite, class, name, first line of the message).
                With -o json: the API's JUnit summary as it answered.
                A run without a JUnit summary (no report matched the job's results.junit patterns, or it has not
                ended) exits 13 after listing what the run does have (console, reports, artifacts; -o json: the
                API's results overview). Files themselves: narwhal results download RUN.
                """,
            Examples =
            [
                "narwhal results build/42",
                "narwhal results build/42 -o json | jq '.totals'",
                "narwhal results build/42 -o json | jq -r '.failures[] | \"\\(.className).\\(.name)\"'",
            ],
        },
        new("results download", "narwhal results download RUN [--kind junit|artifacts|console]... [-o|--output-dir DIR]",
            "save a run's JUnit reports (zip), artifacts and console log to a directory", Download)
        {
            Argument = ArgKind.Run,
            Options = ["kind", "output-dir"],
            OutputElse = "output-dir",
            Details = """
                Without --kind, all three (what the run lacks is skipped with a note on stderr); --kind may repeat or
                list several (--kind junit,console), and a kind the run lacks is then an error (exit 13).
                DIR defaults to ./run-JOB-NUMBER. On this command -o takes a directory too: -o table and -o json are
                the output format, any other value is DIR (for a directory named json: -o ./json). Files: DIR/junit.zip (every JUnit XML report), DIR/artifacts/PATH
                (each artifact under its own path; a path that would escape DIR is refused, exit 14), DIR/console.log.
                Files are streamed to disk and replace existing ones. Prints each saved file with its size;
                -o json prints a JSON list of {kind, path, size}.
                """,
            Examples =
            [
                "narwhal results download build/42",
                "narwhal results download build/42 --kind junit --output-dir /tmp/reports",
                "narwhal results download build/42 -o reports/",
                "narwhal results download build/42 --kind artifacts,console -o json | jq -r '.[].path'",
            ],
        },
    ];

    private static async Task<int> Summary(CliContext cx)
    {
        var args = cx.Args;
        var reference = args.Required(1, "run id (or JOB/NUMBER): narwhal results RUN");
        args.EnsureConsumed(2);
        var id = await RunCommands.ResolveAsync(cx, reference);

        ApiResponse summary;
        try
        {
            summary = await cx.Client.GetAsync($"/runs/{id}/results/junit/summary", cx.Cancel);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
        {
            // Either no such run (the overview says so in turn) or no summary: show what there is.
            var overview = await cx.Client.GetAsync($"/runs/{id}/results", cx.Cancel);
            if (cx.Out.Json) cx.Out.WriteJson(overview.Body);
            else ShowOverview(cx, overview.Json);
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

    private static void ShowOverview(CliContext cx, JsonElement overview)
    {
        var console = overview.P("console");
        var junit = Files(overview, "junit");
        var artifacts = Files(overview, "artifacts");
        cx.Out.Out.WriteLine("The run has no JUnit summary. What it has:");
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

    private static async Task<int> Download(CliContext cx)
    {
        var args = cx.Args;
        var reference = args.Required(2, "run id (or JOB/NUMBER): narwhal results download RUN");
        var asked = args.Options("kind").SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet();
        var dir = args.Option("output-dir");
        args.EnsureConsumed(3);
        if (asked.FirstOrDefault(k => !Kinds.Contains(k)) is { } unknown)
            throw CliException.Usage($"--kind is junit, artifacts or console, not '{unknown}'");
        var explicitKinds = asked.Count > 0;
        var id = await RunCommands.ResolveAsync(cx, reference);

        var run = (await cx.Client.GetAsync($"/runs/{id}", cx.Cancel)).Json;
        dir ??= $"run-{run.S("job")}-{run.S("number")}";
        var overview = (await cx.Client.GetAsync($"/runs/{id}/results", cx.Cancel)).Json;
        if (overview.S("expiredAt") is { Length: > 0 })
            throw new CliException(ExitCodes.Api, $"the results of run {RunCommands.Label(run)} expired at {overview.Time("expiredAt")}");

        var saved = new List<SavedFile>();
        var missing = new List<string>();
        var refused = new List<string>();

        async Task Save(string kind, string path, string file, string shown)
        {
            var size = await cx.Client.DownloadToFileAsync(path, file, cx.Cancel);
            saved.Add(new SavedFile(kind, shown, size));
            if (!cx.Out.Json) await cx.Out.Out.WriteLineAsync($"saved {shown} ({ApiDownloads.Size(size)})");
        }

        void Lacks(string kind, string what)
        {
            if (explicitKinds) missing.Add(what);
            else cx.Out.Err.WriteLine($"(run {RunCommands.Label(run)} has {what}: skipped {kind})");
        }

        bool Wanted(string kind) => !explicitKinds || asked.Contains(kind);

        if (Wanted("junit"))
        {
            if (Files(overview, "junit").Count == 0) Lacks("junit", "no JUnit reports");
            else await Save("junit", $"/runs/{id}/results/junit", Path.Join(dir, "junit.zip"), Path.Join(dir, "junit.zip"));
        }
        if (Wanted("artifacts"))
        {
            var artifacts = Files(overview, "artifacts");
            if (artifacts.Count == 0) Lacks("artifacts", "no artifacts");
            var root = Path.Join(dir, "artifacts");
            foreach (var artifact in artifacts)
            {
                var relative = artifact.S("path");
                if (ApiDownloads.FileInside(root, relative) is not { } file)
                {
                    refused.Add(relative);
                    await cx.Out.Err.WriteLineAsync($"narwhal: refused artifact path '{relative}': it would be written outside {root}");
                    continue;
                }
                await Save("artifacts", $"/runs/{id}/results/artifacts/{ApiDownloads.EscapePath(relative)}", file, Path.Join(root, relative));
            }
        }
        if (Wanted("console"))
        {
            if (overview.P("console").S("available") != "true") Lacks("console", "no console log");
            else await Save("console", $"/runs/{id}/results/console", Path.Join(dir, "console.log"), Path.Join(dir, "console.log"));
        }

        if (cx.Out.Json) cx.Out.WriteJson(JsonSerializer.Serialize(saved, JsonOut.Compact));
        else if (saved.Count == 0 && missing.Count == 0) await cx.Out.Err.WriteLineAsync("Nothing to download.");
        if (missing.Count > 0)
            throw new CliException(ExitCodes.NotFound, $"run {RunCommands.Label(run)} has {string.Join(", ", missing)}");
        if (refused.Count > 0)
            throw new CliException(ExitCodes.Api, $"refused {refused.Count} artifact path(s) that would be written outside {dir}");
        return ExitCodes.Ok;
    }

    private sealed record SavedFile(string Kind, string Path, long Size);

    private static List<JsonElement> Files(JsonElement overview, string name) =>
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
