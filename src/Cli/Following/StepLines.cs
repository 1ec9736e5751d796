using System.Text.Json;

namespace Narwhal.Cli.Following;

/// <summary>
/// How a step's state reads while a pipeline is followed: <c>[build] running on runner-1</c>,
/// <c>[test] failed (exit code 1) after 2.1s</c>, <c>[deploy] skipped: Step 'test' it needs did not succeed.</c>
/// A retried step is <c>[test #2]</c>.
/// </summary>
public static class StepLines
{
    public static string Label(JsonElement step) =>
        step.P("attempt") is { ValueKind: JsonValueKind.Number } attempt && attempt.GetInt32() > 1
            ? $"[{step.S("key")} #{attempt.GetInt32()}]"
            : $"[{step.S("key")}]";

    /// <param name="step">The step as <c>GET /runs/{id}</c> lists it.</param>
    /// <param name="runnerShown">Its "running on" line was printed: an end need not name the Runner again.</param>
    public static string Describe(JsonElement step, bool runnerShown)
    {
        var status = step.S("status");
        var reason = step.S("statusReason");
        var duration = RunSteps.Duration(step);
        var took = duration.Length > 0 ? $" after {duration}" : "";
        var on = !runnerShown && step.S("runnerId") is { Length: > 0 } ranOn ? $" on {ranOn}" : "";
        var mayFail = step.P("allowFailure").ValueKind == JsonValueKind.True ? " (allowed to fail)" : "";
        var text = status switch
        {
            "waiting" => Waiting(step),
            "queued" => step.P("held").ValueKind == JsonValueKind.True
                ? $"queued, held by {(step.S("waitingFor") is { Length: > 0 } limit ? limit : "a concurrency limit")}"
                : "queued",
            "running" => step.S("runnerId") is { Length: > 0 } runner ? $"running on {runner}" : "running",
            "succeeded" => $"succeeded{(duration.Length > 0 ? $" in {duration}" : "")}{on}",
            "failed" => $"failed{(step.S("exitCode") is { Length: > 0 } exit ? $" (exit code {exit})" : "")}{took}{on}{mayFail}",
            "timed_out" => $"timed out{took}{on}{mayFail}",
            "error" or "lost" or "aborted" => $"{status}{on}{mayFail}",
            "skipped" => "skipped",
            _ => status,
        };
        // A reason says more than the status for an end other than success ("Step 'x' it needs did not succeed.").
        return status != "succeeded" && RunSteps.IsTerminal(status) && reason.Length > 0 ? $"{text}: {reason}" : text;
    }

    /// <summary>
    /// An approval gate's state: <c>waiting for approval: Deploy? (narwhal approve …)</c> while it awaits a decision,
    /// <c>approved by NAME (VERSION=1.4.2)</c> once decided; empty for any other step.
    /// </summary>
    public static string Gate(JsonElement step)
    {
        var gate = step.P("block");
        if (gate.ValueKind != JsonValueKind.Object) return "";
        if (gate.P("awaitsDecision").ValueKind == JsonValueKind.True) return $"waiting for approval: {gate.S("prompt")}";
        var decision = gate.P("decision");
        if (decision.ValueKind != JsonValueKind.Object) return "";
        var fields = decision.P("fields") is { ValueKind: JsonValueKind.Object } given && given.EnumerateObject().Any()
            ? $" ({string.Join(", ", given.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"))})"
            : "";
        return decision.S("decision") == "timed_out" ? "nobody decided in time" : $"{decision.S("decision")} by {decision.S("by")}{fields}";
    }

    private static string Waiting(JsonElement step)
    {
        if (Gate(step) is { Length: > 0 } gate) return gate;
        var needs = step.P("needs") is { ValueKind: JsonValueKind.Array } list ? list.EnumerateArray().Select(n => n.GetString()).ToList() : [];
        var when = step.S("when") is { Length: > 0 } w && w != "success" ? $" (when: {w})" : "";
        return needs.Count == 0 ? $"waiting{when}" : $"waiting for {string.Join(", ", needs)}{when}";
    }
}
