using System.Text.Json;
using Narwhal.Cli.Commands;

namespace Narwhal.Cli.Following;

/// <summary>
/// Follows a pipeline run: polls <c>GET /runs/{id}</c> and prints each step's state as it changes
/// (<see cref="StepLines"/>), and the tail of the log of each step that fails, behind its key. At the run's end, the
/// exit code of its status, as for a run without steps. With -o json: each step as the API gives it whenever it
/// changes, then the run. A pipeline has no console of its own, and its steps' consoles are separate streams that
/// run at the same time: the run's state, polled, is the one thing that tells the whole story in order.
/// </summary>
public sealed class PipelineFollower(CliContext cx, string runId, AbortPrompt prompt)
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);
    /// <summary>Lines of a failed step's log printed; the rest is a command away (narwhal logs RUN --step KEY).</summary>
    public const int TailLines = 40;

    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private bool _introduced;

    /// <summary>What was last printed of a step: its attempt and status, and whether its Runner was named.</summary>
    private sealed record Seen(int Attempt, string Status, bool RunnerShown);

    public async Task<int> FollowAsync()
    {
        var failures = 0;
        while (true)
        {
            using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cx.Cancel);
            using var offer = prompt.Offer(interrupt);
            try
            {
                var run = (await cx.Client.GetAsync($"/runs/{runId}", interrupt.Token)).Json;
                failures = 0;
                await ReportAsync(run, interrupt.Token);
                if (RunSteps.IsTerminal(run.S("status"))) return await EndAsync(run);
                await Task.Delay(Every, interrupt.Token);
            }
            catch (OperationCanceledException) when (interrupt.IsCancellationRequested && !cx.Cancel.IsCancellationRequested)
            {
                if (await prompt.InterruptedAsync() is { } stop) return stop;
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Connection && ++failures < 5)
            {
                // A blip (the Api restarting, a proxy): ask again, a little later each time.
                await Task.Delay(TimeSpan.FromSeconds(failures), cx.Cancel);
            }
        }
    }

    private async Task ReportAsync(JsonElement run, CancellationToken ct)
    {
        if (!_introduced && !cx.Out.Json)
            await cx.Out.Err.WriteLineAsync($"Run {RunCommands.Label(run)} is a pipeline of {RunSteps.Of(run).Count} steps: {RunSteps.Keys(run)}.");
        _introduced = true;
        foreach (var step in RunSteps.Of(run))
        {
            var key = step.S("key");
            var attempt = step.P("attempt") is { ValueKind: JsonValueKind.Number } a ? a.GetInt32() : 1;
            var status = step.S("status");
            var before = _seen.GetValueOrDefault(key);
            if (before is not null && before.Attempt == attempt && before.Status == status) continue;

            var runnerShown = before is not null && before.Attempt == attempt && before.RunnerShown;
            _seen[key] = new Seen(attempt, status, runnerShown || status == "running");
            if (cx.Out.Json)
            {
                cx.Out.WriteJsonLine(step);
                continue;
            }
            await cx.Out.Out.WriteLineAsync($"{StepLines.Label(step)} {StepLines.Describe(step, runnerShown)}");
            if (RunSteps.IsFailure(status)) await TailAsync(run, step, attempt, ct);
        }
        await cx.Out.Out.FlushAsync(ct);
    }

    /// <summary>The end of a failed step's log, each line behind the step's label; nothing when it has none (it never started).</summary>
    private async Task TailAsync(JsonElement run, JsonElement step, int attempt, CancellationToken ct)
    {
        var key = step.S("key");
        string text;
        try
        {
            text = await cx.Client.GetTextAsync($"{RunSteps.Path(runId, key)}/console{RunSteps.AttemptQuery(attempt)}", ct);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
        {
            return; // ended without a console: its status line has the reason
        }
        var lines = text.Split('\n');
        if (lines[^1].Length == 0) lines = lines[..^1];
        if (lines.Length == 0) return;
        var label = StepLines.Label(step);
        if (lines.Length > TailLines)
        {
            var all = $"narwhal logs {RunCommands.Label(run)} --step {key}" + (attempt > 1 ? $" --attempt {attempt}" : "");
            await cx.Out.Out.WriteLineAsync($"{label} … {lines.Length - TailLines} earlier lines (all of it: {all})");
            lines = lines[^TailLines..];
        }
        await cx.Out.Out.WriteAsync(RunSteps.Prefixed(label, string.Join('\n', lines)));
    }

    private async Task<int> EndAsync(JsonElement run)
    {
        var status = run.S("status");
        if (cx.Out.Json)
        {
            cx.Out.WriteJsonLine(run);
            return ExitCodes.ForRunStatus(status);
        }
        var exit = run.S("exitCode");
        var reason = run.S("statusReason");
        await cx.Out.Err.WriteLineAsync($"Run {status}" + (exit.Length > 0 ? $" (exit code {exit})" : "") + (reason.Length > 0 ? $": {reason}" : ""));
        if (status != "succeeded" && RunSteps.Of(run).Any(s => RunSteps.IsFailure(s.S("status")) || s.S("status") == "aborted"))
            await cx.Out.Err.WriteLineAsync($"Retry what did not succeed: narwhal runs retry-failed {RunCommands.Label(run)} --follow");
        return ExitCodes.ForRunStatus(status);
    }
}
