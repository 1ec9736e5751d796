using System.Diagnostics;
using System.Text.Json;
using Narwhal.Cli.Commands;

namespace Narwhal.Cli.Following;

/// <summary>
/// <c>--follow</c> of run, logs, runs rerun and runs retry: a run to its end, whatever it turns out to be. A run
/// without steps streams its console (<see cref="ConsoleFollow"/>); a pipeline reports its steps
/// (<see cref="PipelineFollower"/>); <c>--step KEY</c> streams that step's console. Whether a run is a pipeline is
/// known only once a Runner has read its config, so the console of a run not planned yet is followed while the run
/// is watched, and the follow switches to the pipeline's steps when they appear.
/// </summary>
public static class RunFollow
{
    /// <summary>How long a run that is running but shows no steps may still be a pipeline being planned (its config read).</summary>
    private static readonly TimeSpan PlanningAtMost = TimeSpan.FromSeconds(60);

    /// <param name="step">Follow this step's console instead (exit code: the step's status).</param>
    /// <param name="interactive">run --follow: a waiting indicator while queued, and Ctrl-C offers to abort the run (<see cref="AbortPrompt"/>).</param>
    /// <param name="label">JOB/NUMBER, for the prompt.</param>
    public static async Task<int> FollowAsync(CliContext cx, string id, string? step = null, bool interactive = false, string? label = null)
    {
        var prompt = new AbortPrompt(cx, id, label ?? id, interactive);
        if (step is not null) return await FollowStepAsync(cx, id, step, prompt, interactive);
        var run = (await cx.Client.GetAsync($"/runs/{id}", cx.Cancel)).Json;
        if (!RunSteps.IsPipeline(run) && await FollowConsoleAsync(cx, id, prompt, interactive) is { } exit) return exit;
        return await new PipelineFollower(cx, id, prompt).FollowAsync();
    }

    /// <summary>The run's console to its end (its exit code), or null when the run turned out to be a pipeline.</summary>
    private static async Task<int?> FollowConsoleAsync(CliContext cx, string id, AbortPrompt prompt, bool interactive)
    {
        await using var indicator = interactive ? WaitingIndicator.Start(cx, id) : null;
        var console = new ConsoleFollow(cx, prompt);
        using var planned = new CancellationTokenSource();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cx.Cancel);
        var watcher = WatchForPlanAsync(cx, id, console, planned, stopWatching.Token);
        try
        {
            return await console.FollowAsync($"/runs/{id}/results/console?follow=true", "Run", indicator, planned.Token);
        }
        catch (CliException e) when (e.HttpStatus == 409)
        {
            // Planned between the look and the request: a pipeline's console is its steps'.
            if (!RunSteps.IsPipeline((await cx.Client.GetAsync($"/runs/{id}", cx.Cancel)).Json)) throw;
            return null;
        }
        finally
        {
            await stopWatching.CancelAsync();
            try { await watcher; }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>
    /// Until the console shows text (the run executes a script of its own) or the run ends: whether a Runner planned
    /// it as a pipeline, once a second (every 5 s after a minute; a quiet script may run long).
    /// </summary>
    private static async Task WatchForPlanAsync(CliContext cx, string id, ConsoleFollow console, CancellationTokenSource planned, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!console.SawText)
        {
            await Task.Delay(clock.Elapsed < TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5), ct);
            JsonElement run;
            try { run = (await cx.Client.GetAsync($"/runs/{id}", ct)).Json; }
            catch (Exception e) when (e is CliException or JsonException) { continue; } // the console stream reports real trouble
            if (RunSteps.IsPipeline(run))
            {
                await planned.CancelAsync();
                return;
            }
            if (RunSteps.IsTerminal(run.S("status"))) return;
        }
    }

    /// <summary>One step's console, once the run has that step (a pipeline's steps exist once a Runner planned it).</summary>
    private static async Task<int> FollowStepAsync(CliContext cx, string id, string key, AbortPrompt prompt, bool interactive)
    {
        await using (var indicator = interactive ? WaitingIndicator.Start(cx, id) : null)
        {
            var running = Stopwatch.StartNew();
            while (true)
            {
                var run = (await cx.Client.GetAsync($"/runs/{id}", cx.Cancel)).Json;
                var status = run.S("status");
                if (status == "queued") running.Restart();
                // Not queued and without steps for a while: a run that executes a script of its own, whose one step is main.
                var settled = RunSteps.IsPipeline(run) || RunSteps.IsTerminal(status)
                    || (status != "queued" && (key == RunSteps.MainKey || running.Elapsed > PlanningAtMost));
                if (settled)
                {
                    if (RunSteps.Find(run, key) is null)
                        throw new CliException(ExitCodes.NotFound, $"run {RunCommands.Label(run)} has no step '{key}' (its steps: {RunSteps.Keys(run)})");
                    break;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), cx.Cancel);
            }
        }
        var exit = await new ConsoleFollow(cx, prompt).FollowAsync($"{RunSteps.Path(id, key)}/console?follow=true", $"Step '{key}'", null, CancellationToken.None);
        return exit ?? ExitCodes.RunError; // never null: nothing switches a step's console away
    }
}
