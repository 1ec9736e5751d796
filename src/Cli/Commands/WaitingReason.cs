using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary>
/// Why a queued run waits, told from the run and <c>GET /runners</c> (each Runner's classes, state,
/// pause reason and slots): held by a concurrency limit, no Runner of its class is online, every one
/// of them is paused or draining, or every one is full. Null when nothing explains it (a Runner may simply be about to take it).
/// </summary>
public static class WaitingReason
{
    public static string? Of(JsonElement run, JsonElement runners)
    {
        // A held run waits for its job's (or group's) concurrency limit, whatever the Runners do.
        if (run.P("held").ValueKind == JsonValueKind.True)
            return $"held by {(run.S("waitingFor") is { Length: > 0 } limit ? limit : "its job's concurrency limit")}";
        var resourceClass = run.S("resourceClass");
        if (resourceClass.Length == 0) return null;
        var serving = runners.Items()
            .Where(r => r.S("state") != "offline" && r.P("classes") is { ValueKind: JsonValueKind.Array } classes
                && classes.EnumerateArray().Any(c => c.GetString() == resourceClass))
            .ToList();
        if (serving.Count == 0)
            return $"no Runner online serves class `{resourceClass}`";

        var taking = serving.Where(r => r.S("state") == "online" && r.S("paused").Length == 0).ToList();
        if (taking.Count == 0)
            return $"no Runner takes class `{resourceClass}` now — " +
                string.Join("; ", serving.Select(r => $"{r.S("id")}: {(r.S("state") == "draining" ? "draining" : r.S("paused"))}"));

        if (taking.All(Full))
            return $"every Runner taking class `{resourceClass}` is full — " +
                string.Join("; ", taking.Select(r => $"{r.S("id")}: {r.S("running")}/{r.S("slots")} slots busy"));
        return null;
    }

    private static bool Full(JsonElement runner) =>
        runner.P("running") is { ValueKind: JsonValueKind.Number } running && runner.P("slots") is { ValueKind: JsonValueKind.Number } slots
        && running.GetInt32() >= slots.GetInt32();
}
