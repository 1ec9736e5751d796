namespace Narwhal.Cli.Commands;

/// <summary><c>jobs list | get NAME | delete NAME</c>.</summary>
public static class JobsCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("jobs list", "narwhal jobs list [--limit N] [--cursor C]", "list jobs by name", List)
        {
            Aliases = ["jobs ls"],
            Options = ["limit", "cursor"],
            Examples = ["narwhal jobs list", "narwhal jobs list -o json | jq -r '.items[].name'"],
        },
        new("jobs get", "narwhal jobs get NAME", "show one job's settings", Get)
        {
            Aliases = ["jobs show"],
            Argument = ArgKind.Job,
            Examples = ["narwhal jobs get hello", "narwhal jobs get hello -o json"],
        },
        new("jobs delete", "narwhal jobs delete NAME", "delete a job (refused while it has queued or running runs)", Delete)
        {
            Aliases = ["jobs rm"],
            Argument = ArgKind.Job,
            Details = "Its run history stays readable. The API answers 409 while the job has queued or running runs.",
            Examples = ["narwhal jobs delete old-job"],
        },
    ];

    private static async Task<int> List(CliContext cx)
    {
        var args = cx.Args;
        var limit = args.Option("limit");
        var cursor = args.Option("cursor");
        args.EnsureConsumed(2);
        var query = Query.Build(("limit", limit), ("cursor", cursor));
        var page = await cx.Client.GetAsync("/jobs" + query, cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(page.Body); return ExitCodes.Ok; }
        var json = page.Json;
        cx.Out.Table(["NAME", "TYPE", "CLASS", "SOURCE", "UPDATED"],
            json.Items().Select(j => (IReadOnlyList<string>)[j.S("name"), j.S("type"), j.S("resourceClass"), Source(j), j.Time("updatedAt")]).ToList());
        Query.MoreHint(cx, json);
        return ExitCodes.Ok;
    }

    private static async Task<int> Get(CliContext cx)
    {
        var args = cx.Args;
        var name = args.Required(2, "job name");
        args.EnsureConsumed(3);
        var job = await cx.Client.GetAsync($"/jobs/{Uri.EscapeDataString(name)}", cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(job.Body); return ExitCodes.Ok; }
        var j = job.Json;
        var script = j.P("script");
        cx.Out.KeyValues([
            ("Name", j.S("name")),
            ("Type", j.S("type")),
            ("Description", j.S("description")),
            ("Class", j.S("resourceClass")),
            ("Image", j.S("image")),
            ("Git", j.P("git").S("url")),
            ("Config", j.P("git").S("configPath")),
            ("Branch", j.P("git").S("defaultBranch")),
            ("Timeout", j.S("timeoutSeconds") is { Length: > 0 } t ? t + " s" : null),
            ("Max concurrent", j.S("maxConcurrent") is { Length: > 0 } m
                ? j.S("concurrencyGroup") is { Length: > 0 } g ? $"{m} (shared by concurrency group {g})" : m
                : null),
            ("Retry on lost", j.P("retry").S("onLost") is { Length: > 0 } r ? $"up to {r} new attempt(s)" : null),
            ("GitHub", GithubSummary(j.P("github"))),
            ("Parameters", string.Join(", ", j.P("parameters") is { ValueKind: System.Text.Json.JsonValueKind.Array } ps
                ? ps.EnumerateArray().Select(p => p.S("default") is { Length: > 0 } d ? $"{p.S("name")}={d}" : p.S("name")) : [])),
            ("Created", j.Time("createdAt")),
            ("Updated", j.Time("updatedAt")),
        ]);
        if (script.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            cx.Out.Out.WriteLine("Script:");
            foreach (var line in script.EnumerateArray()) cx.Out.Out.WriteLine("  " + line.GetString());
        }
        return ExitCodes.Ok;
    }

    private static async Task<int> Delete(CliContext cx)
    {
        var args = cx.Args;
        var name = args.Required(2, "job name");
        args.EnsureConsumed(3);
        var answer = await cx.Client.DeleteAsync($"/jobs/{Uri.EscapeDataString(name)}", cx.Cancel);
        if (cx.Out.Json) cx.Out.WriteJson(answer.Body.Length > 0 ? answer.Body : JsonSerializerCompact(new { deleted = name }));
        else cx.Out.Out.WriteLine($"Deleted job {name}.");
        return ExitCodes.Ok;
    }

    private static string JsonSerializerCompact(object value) => System.Text.Json.JsonSerializer.Serialize(value, JsonOut.Compact);

    /// <summary>"pushes to main, release/*; tags; cancel superseded; secrets for forks; commit statuses", or null.</summary>
    private static string? GithubSummary(System.Text.Json.JsonElement github)
    {
        if (github.ValueKind != System.Text.Json.JsonValueKind.Object) return null;
        var parts = new List<string>();
        if (github.P("pushBranches") is { ValueKind: System.Text.Json.JsonValueKind.Array } branches && branches.GetArrayLength() > 0)
            parts.Add("pushes to " + string.Join(", ", branches.EnumerateArray().Select(b => b.GetString())));
        if (github.S("pushTags") == "true") parts.Add("tags");
        if (github.S("cancelSuperseded") == "true") parts.Add("cancel superseded");
        if (github.S("forkSecrets") == "true") parts.Add("secrets for forks");
        if (github.S("commitStatuses") == "true") parts.Add("commit statuses");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static string Source(System.Text.Json.JsonElement job) =>
        job.S("type") == "git" ? job.P("git").S("url") : job.S("image");
}

/// <summary>Query strings and the "more results" hint for paged lists.</summary>
public static class Query
{
    public static string Build(params (string Key, string? Value)[] pairs)
    {
        var parts = pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    public static void MoreHint(CliContext cx, System.Text.Json.JsonElement page)
    {
        if (page.S("nextCursor") is { Length: > 0 } next) cx.Out.Err.WriteLine($"(more: add --cursor {next})");
    }
}
