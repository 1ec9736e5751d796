using System.Globalization;
using System.Text.Json;

namespace Narwhal.Cli;

/// <summary>
/// A run's steps as <c>GET /runs/{id}</c> gives them (a run without steps has one, <c>main</c>: the run itself), the
/// routes of one step, and what a status means to a follower.
/// </summary>
public static class RunSteps
{
    public const string MainKey = "main";

    public static bool IsPipeline(JsonElement run) => run.P("pipeline").ValueKind == JsonValueKind.True;

    public static IReadOnlyList<JsonElement> Of(JsonElement run) =>
        run.P("steps") is { ValueKind: JsonValueKind.Array } steps ? steps.EnumerateArray().ToList() : [];

    public static JsonElement? Find(JsonElement run, string key) =>
        Of(run).Cast<JsonElement?>().FirstOrDefault(s => s!.Value.S("key") == key);

    public static string Keys(JsonElement run) => string.Join(", ", Of(run).Select(s => s.S("key")));

    /// <summary><c>/runs/{id}/steps/{key}</c>: a step's state; its console, results and retry hang off it.</summary>
    public static string Path(string runId, string key) => $"/runs/{runId}/steps/{Uri.EscapeDataString(key)}";

    /// <summary><c>?attempt=N</c> for an earlier attempt of a step, or nothing for the current one.</summary>
    public static string AttemptQuery(int? attempt) => attempt is { } n ? $"?attempt={n}" : "";

    /// <summary>The value of <c>--attempt</c>: a positive number, and only with <c>--step</c>.</summary>
    public static int? ParseAttempt(string? value, string? step)
    {
        if (value is null) return null;
        if (step is null) throw CliException.Usage("--attempt goes with --step KEY (an attempt of that step)");
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw CliException.Usage($"--attempt needs a positive number, not '{value}'");
    }

    /// <summary>Statuses after which nothing changes any more (for a run, or for one attempt of a step).</summary>
    public static bool IsTerminal(string status) => status.Length > 0 && status is not ("waiting" or "queued" or "running");

    /// <summary>An end that fails a run unless the step may fail.</summary>
    public static bool IsFailure(string status) => status is "failed" or "timed_out" or "error" or "lost";

    /// <summary>From start to end (or to now while running): "4.2s", "3m07s", "1h02m"; empty before it started.</summary>
    public static string Duration(JsonElement runOrStep)
    {
        if (!DateTimeOffset.TryParse(runOrStep.S("startedAt"), CultureInfo.InvariantCulture, out var started)) return "";
        var end = DateTimeOffset.TryParse(runOrStep.S("finishedAt"), CultureInfo.InvariantCulture, out var finished) ? finished : DateTimeOffset.UtcNow;
        var d = end - started;
        return d.TotalHours >= 1 ? $"{(int)d.TotalHours}h{d.Minutes:00}m"
            : d.TotalMinutes >= 1 ? $"{(int)d.TotalMinutes}m{d.Seconds:00}s"
            : string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.0}s");
    }

    /// <summary>Each line of <paramref name="text"/> behind <paramref name="prefix"/> (a step's log among others).</summary>
    public static string Prefixed(string prefix, string text)
    {
        var lines = text.Split('\n');
        if (lines[^1].Length == 0) lines = lines[..^1];
        return string.Concat(lines.Select(line => line.TrimEnd('\r') is { Length: > 0 } text ? $"{prefix} {text}\n" : $"{prefix}\n"));
    }
}
