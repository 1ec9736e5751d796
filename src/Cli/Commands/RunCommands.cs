using System.Text.Json;
using Narwhal.Cli.Following;

namespace Narwhal.Cli.Commands;

/// <summary><c>run JOB …</c> and <c>runs list | show | abort | rerun</c> (retries of steps: <see cref="RetryCommands"/>).</summary>
public static class RunCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("run", "narwhal run JOB [--branch B | --commit SHA] [--param KEY=VALUE]... [--follow [--step KEY]] [--idempotency-key K]",
            "trigger a run; with --follow stream its console and exit with its status", TriggerAsync)
        {
            Argument = ArgKind.Job,
            Options = ["branch", "commit", "param", "follow", "step", "idempotency-key"],
            Details = """
                Without --branch or --commit a git job runs its default branch. --param may repeat; parameters
                must be declared by the job. --idempotency-key makes a retried trigger return the same run.
                With --follow: a waiting indicator while the run is queued, then the live console on stdout, then
                the exit code of the run's status (0 succeeded, 1 failed, 2 error, 3 timed out, 4 aborted, 5 lost).
                Ctrl-C asks whether to abort the run (on a terminal); without a terminal it stops following and
                leaves the run alone.
                A pipeline (a job config with steps) has no console of its own: --follow prints each step's state as it
                changes ([build] running on runner-1, [test] failed (exit code 1) after 4.2s) and the last lines of
                the log of each step that fails; the exit code is the run's, as above. --step KEY streams that
                step's console instead, and exits with the step's status (6 if it was skipped).
                """,
            Examples =
            [
                "narwhal run hello",
                "narwhal run build --branch main --follow",
                "narwhal run deploy --commit 3f2a9c1 --param TARGET=staging --follow && echo deployed",
                "narwhal run release --follow --step test",
                "narwhal run nightly -o json | jq -r .id",
            ],
        },
        new("runs list", "narwhal runs list [--job J] [--status S] [--branch B] [--limit N] [--cursor C]", "list runs, newest first", List)
        {
            Aliases = ["runs ls"],
            Options = ["job", "status", "branch", "limit", "cursor"],
            Examples = ["narwhal runs list --job build --status failed", "narwhal runs list -o json --limit 100"],
        },
        new("runs show", "narwhal runs show RUN", "show one run (RUN is a run id or JOB/NUMBER)", Show)
        {
            Aliases = ["runs get"],
            Argument = ArgKind.Run,
            Details = "A pipeline's steps follow in a table: status, attempt, duration, Runner, exit code, needs, and why a step did not succeed.",
            Examples = ["narwhal runs show build/42", "narwhal runs show 0193a5c2-7b1e-7c3d-9f00-1234567890ab -o json"],
        },
        new("runs abort", "narwhal runs abort RUN", "abort a queued or running run", Abort)
        {
            Argument = ArgKind.Run,
            Details = "A queued run is aborted at once and never starts; a running one is stopped by its Runner (SIGTERM, grace, SIGKILL).",
            Examples = ["narwhal runs abort build/42"],
        },
        new("runs rerun", "narwhal runs rerun RUN [--follow [--step KEY]]", "run again with the same commit and parameters", Rerun)
        {
            Argument = ArgKind.Run,
            Options = ["follow", "step"],
            Details = "A new run of every step; to run again only what failed in a pipeline: narwhal runs retry-failed RUN.",
            Examples = ["narwhal runs rerun build/42 --follow"],
        },
    ];

    public static async Task<int> TriggerAsync(CliContext cx)
    {
        var args = cx.Args;
        var job = args.Required(1, "job name: narwhal run JOB");
        var branch = args.Option("branch");
        var commit = args.Option("commit");
        var follow = args.Flag("follow");
        var step = StepToFollow(args, follow);
        var idempotencyKey = args.Option("idempotency-key");
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in args.Options("param"))
        {
            var eq = p.IndexOf('=');
            if (eq <= 0) throw CliException.Usage($"--param needs KEY=VALUE, not '{p}'");
            parameters[p[..eq]] = p[(eq + 1)..];
        }
        args.EnsureConsumed(2);
        if (branch is not null && commit is not null) throw CliException.Usage("give --branch or --commit, not both");

        var body = new Dictionary<string, object>();
        if (branch is not null) body["branchName"] = branch;
        if (commit is not null) body["commitSha"] = commit;
        if (parameters.Count > 0) body["parameters"] = parameters;

        var headers = idempotencyKey is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey };
        var answer = await cx.Client.SendAsync(HttpMethod.Post, $"/jobs/{Uri.EscapeDataString(job)}/runs", body, cx.Cancel, headers);
        return await Started(cx, answer, follow, step);
    }

    /// <summary>The value of --step on a command whose --step is the step to follow.</summary>
    public static string? StepToFollow(CliArgs args, bool follow)
    {
        var step = args.Option("step");
        return step is not null && !follow ? throw CliException.Usage("--step goes with --follow (the step whose console to follow)") : step;
    }

    private static async Task<int> List(CliContext cx)
    {
        var args = cx.Args;
        var query = Query.Build(("job", args.Option("job")), ("status", args.Option("status")), ("branch", args.Option("branch")),
            ("limit", args.Option("limit")), ("cursor", args.Option("cursor")));
        args.EnsureConsumed(2);
        var page = await cx.Client.GetAsync("/runs" + query, cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(page.Body); return ExitCodes.Ok; }
        var json = page.Json;
        var rows = json.Items().Select(r => (IReadOnlyList<string>)[
            r.S("id"), $"{r.S("job")}/{r.S("number")}", r.S("status"), r.S("exitCode"), Source(r), r.P("trigger").S("kind"), r.Time("createdAt"), RunSteps.Duration(r)]).ToList();
        cx.Out.Table(["ID", "RUN", "STATUS", "EXIT", "SOURCE", "TRIGGER", "CREATED", "DURATION"], rows,
            (_, column, text) => column == 2 ? Output.PaintStatus(text, text) : text);
        Query.MoreHint(cx, json);
        return ExitCodes.Ok;
    }

    private static async Task<int> Show(CliContext cx)
    {
        var args = cx.Args;
        var id = await ResolveAsync(cx, args.Required(2, "run id (or JOB/NUMBER)"));
        args.EnsureConsumed(3);
        var run = await cx.Client.GetAsync($"/runs/{id}", cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(run.Body); return ExitCodes.Ok; }
        Show(cx, run.Json);
        if (RunSteps.IsPipeline(run.Json)) ShowSteps(cx, run.Json);
        return ExitCodes.Ok;
    }

    private static async Task<int> Abort(CliContext cx)
    {
        var args = cx.Args;
        var id = await ResolveAsync(cx, args.Required(2, "run id (or JOB/NUMBER)"));
        args.EnsureConsumed(3);
        var answer = await cx.Client.PostAsync($"/runs/{id}/abort", null, cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(answer.Body); return ExitCodes.Ok; }
        var run = answer.Json;
        cx.Out.Out.WriteLine((int)answer.Status == 202
            ? $"Stop requested for run {Label(run)} ({run.S("id")}); its Runner stops it."
            : $"Aborted run {Label(run)} ({run.S("id")}).");
        return ExitCodes.Ok;
    }

    private static async Task<int> Rerun(CliContext cx)
    {
        var args = cx.Args;
        var id = await ResolveAsync(cx, args.Required(2, "run id (or JOB/NUMBER)"));
        var follow = args.Flag("follow");
        var step = StepToFollow(args, follow);
        args.EnsureConsumed(3);
        var answer = await cx.Client.PostAsync($"/runs/{id}/rerun", null, cx.Cancel);
        return await Started(cx, answer, follow, step);
    }

    /// <summary>After a trigger or re-run: print the run, or follow it to its end.</summary>
    private static async Task<int> Started(CliContext cx, ApiResponse answer, bool follow, string? step)
    {
        var run = answer.Json;
        var id = run.S("id");
        if (cx.Out.Json)
        {
            if (follow) cx.Out.WriteJsonLine(run);
            else cx.Out.WriteJson(answer.Body);
        }
        else if (follow) await cx.Out.Err.WriteLineAsync($"Run {Label(run)} ({id}) {run.S("status")}; following {(step is null ? "its console" : $"step '{step}'")}…");
        else await cx.Out.Out.WriteLineAsync($"Run {Label(run)} {run.S("status")}: {id}");
        return follow ? await RunFollow.FollowAsync(cx, id, step, interactive: true, label: Label(run)) : ExitCodes.Ok;
    }

    /// <summary>A pipeline's steps, in the order written.</summary>
    private static void ShowSteps(CliContext cx, JsonElement run)
    {
        var rows = RunSteps.Of(run).Select(s => (IReadOnlyList<string>)[
            s.S("key"), s.S("status"), s.S("attempt"), RunSteps.Duration(s), s.S("runnerId"), s.S("exitCode"),
            s.P("needs") is { ValueKind: JsonValueKind.Array } needs ? string.Join(",", needs.EnumerateArray().Select(n => n.GetString())) : "",
            StepNote(s)]).ToList();
        cx.Out.Out.WriteLine();
        cx.Out.Table(["STEP", "STATUS", "ATTEMPT", "DURATION", "RUNNER", "EXIT", "NEEDS", "NOTE"], rows,
            (_, column, text) => column == 1 ? Output.PaintStatus(text, text) : text);
    }

    /// <summary>What else a step's row should say: when it runs, that it may fail, what holds it, why it did not succeed.</summary>
    private static string StepNote(JsonElement step)
    {
        var notes = new List<string>();
        if (step.S("when") is { Length: > 0 } when && when != "success") notes.Add($"when: {when}");
        if (step.P("allowFailure").ValueKind == JsonValueKind.True) notes.Add("may fail");
        if (step.P("held").ValueKind == JsonValueKind.True) notes.Add($"held by {step.S("waitingFor")}");
        if (StepLines.Gate(step) is { Length: > 0 } gate) notes.Add(gate);
        if (step.S("status") != "succeeded" && step.S("statusReason") is { Length: > 0 } reason) notes.Add(reason);
        return string.Join("; ", notes);
    }

    private static void Show(CliContext cx, JsonElement r)
    {
        var parameters = r.P("parameters") is { ValueKind: JsonValueKind.Object } ps
            ? string.Join(", ", ps.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"))
            : "";
        var trigger = r.P("trigger");
        cx.Out.KeyValues([
            ("Id", r.S("id")),
            ("Run", Label(r)),
            ("Status", cx.Out.Status(r.S("status"))),
            ("Reason", r.S("statusReason")),
            ("Exit code", r.S("exitCode")),
            ("Class", r.S("resourceClass")),
            ("Branch", r.S("branch")),
            ("Commit", r.S("commitSha")),
            ("Parameters", parameters),
            ("Trigger", trigger.S("tokenName") is { Length: > 0 } token ? $"{trigger.S("kind")} ({token})" : trigger.S("kind")),
            ("Rerun of", r.S("rerunOf")),
            ("Attempt", r.S("attempt")),
            ("Runner", r.S("runnerId")),
            ("Created", r.Time("createdAt")),
            ("Started", r.Time("startedAt")),
            ("Finished", r.Time("finishedAt")),
            ("Duration", RunSteps.Duration(r)),
            ("Abort requested", r.S("abortRequestedAt") is { Length: > 0 } ? $"{r.Time("abortRequestedAt")} by {r.S("abortRequestedBy")}" : null),
            ("Log size", r.S("logSize") is { Length: > 0 } size ? size + " bytes" + (r.S("logTruncated") == "true" ? " (truncated)" : "") : null),
            ("Results expired", r.Time("resultsExpiredAt")),
        ]);
    }

    /// <summary>A run id as given, or JOB/NUMBER (JOB#NUMBER) looked up through /jobs/{job}/runs/{number}.</summary>
    public static async Task<string> ResolveAsync(CliContext cx, string reference, CancellationToken? ct = null)
    {
        if (Guid.TryParse(reference, out var id)) return id.ToString();
        var cut = reference.LastIndexOfAny(['/', '#']);
        if (cut > 0 && int.TryParse(reference[(cut + 1)..], out var number))
        {
            var run = await cx.Client.GetAsync($"/jobs/{Uri.EscapeDataString(reference[..cut])}/runs/{number}", ct ?? cx.Cancel);
            return run.Json.S("id");
        }
        throw CliException.Usage($"'{reference}' is not a run id (a UUID) or JOB/NUMBER");
    }

    public static string Label(JsonElement run) => $"{run.S("job")}/{run.S("number")}";

    private static string Source(JsonElement r) =>
        r.S("commitSha") is { Length: >= 7 } sha ? (r.S("branch") is { Length: > 0 } b ? $"{b}@{sha[..7]}" : sha[..7]) : r.S("branch");
}
