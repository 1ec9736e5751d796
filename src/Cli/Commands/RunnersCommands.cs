using System.Globalization;
using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary><c>runners list | drain ID</c>: the runner registry the Dispatcher keeps from heartbeats.</summary>
public static class RunnersCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("runners list", "narwhal runners list", "list Runners: state, classes, load, last heartbeat", List)
        {
            Aliases = ["runners ls"],
            Details = """
                STATE is online, draining (finishing its runs, taking no new ones) or offline (silent past the
                Dispatcher's timeout); offline Runners come last. RUNNING/SLOTS and CPU are as of the Runner's last
                heartbeat; LAST SEEN is the database's clock. PAUSED says why a Runner takes nothing right now.
                Needs a read token.
                """,
            Examples = ["narwhal runners list", "narwhal runners list -o json | jq -r '.items[] | select(.state == \"online\") | .id'"],
        },
        new("runners drain", "narwhal runners drain ID", "drain a Runner: no new runs, finish the current ones, then exit", Drain)
        {
            Details = """
                The request is recorded at once and broadcast to the Runner; it reports draining in its next
                heartbeat, finishes the runs it has, and exits. Asking again is harmless. An offline Runner cannot be
                drained (the API answers 409). Needs an admin token.
                """,
            Examples = ["narwhal runners drain build-01-narwhal", "narwhal runners drain build-01-narwhal -o json"],
        },
    ];

    private static async Task<int> List(CliContext cx)
    {
        cx.Args.EnsureConsumed(2);
        var answer = await cx.Client.GetAsync("/runners", cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(answer.Body); return ExitCodes.Ok; }
        var runners = answer.Json.Items().ToList();
        if (runners.Count == 0)
        {
            await cx.Out.Err.WriteLineAsync("No Runner has sent a heartbeat yet.");
            return ExitCodes.Ok;
        }
        cx.Out.Table(["ID", "STATE", "CLASSES", "RUNNING/SLOTS", "CPU", "LAST SEEN", "PAUSED"],
            runners.Select(r => (IReadOnlyList<string>)
            [
                r.S("id"), r.S("state"), Classes(r), $"{r.S("running")}/{r.S("slots")}", Cpu(r), r.Time("lastSeenAt"), r.S("paused"),
            ]).ToList(),
            (_, column, text) => column == 1 ? PaintState(text) : text);
        return ExitCodes.Ok;
    }

    private static async Task<int> Drain(CliContext cx)
    {
        var args = cx.Args;
        var id = args.Required(2, "Runner id: narwhal runners drain ID (narwhal runners list shows them)");
        args.EnsureConsumed(3);
        var answer = await cx.Client.PostAsync($"/runners/{Uri.EscapeDataString(id)}/drain", null, cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(answer.Body); return ExitCodes.Ok; }
        var runner = answer.Json;
        var running = runner.P("runningRuns") is { ValueKind: JsonValueKind.Array } runs ? runs.GetArrayLength() : 0;
        await cx.Out.Out.WriteLineAsync(
            $"Drain requested for Runner {runner.S("id")} by {runner.S("drainRequestedBy")} at {runner.Time("drainRequestedAt")}.");
        await cx.Out.Out.WriteLineAsync(
            $"It takes no new runs, finishes its {running} running run(s), then exits (state now: {runner.S("state")}; " +
            "draining from its next heartbeat).");
        return ExitCodes.Ok;
    }

    private static string Classes(JsonElement runner) =>
        runner.P("classes") is { ValueKind: JsonValueKind.Array } classes ? string.Join(",", classes.EnumerateArray().Select(c => c.GetString())) : "";

    private static string Cpu(JsonElement runner) =>
        runner.P("load").P("cpuPercent") is { ValueKind: JsonValueKind.Number } cpu
            ? cpu.GetDouble().ToString("0", CultureInfo.InvariantCulture) + "%"
            : "";

    private static string PaintState(string padded) => padded.Trim() switch
    {
        "online" => $"\u001b[32m{padded}\u001b[0m",
        "draining" => $"\u001b[33m{padded}\u001b[0m",
        "offline" => $"\u001b[31m{padded}\u001b[0m",
        _ => padded,
    };
}
