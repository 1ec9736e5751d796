using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary><c>logs RUN [--follow]</c>, and following a console as Server-Sent Events (also for run --follow).</summary>
public static class LogsCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("logs", "narwhal logs RUN [--follow]", "print a run's console log; --follow streams it live until the run ends", RunAsync)
        {
            Aliases = ["log"],
            Argument = ArgKind.Run,
            Options = ["follow"],
            Details = """
                RUN is a run id or JOB/NUMBER. Secrets are already masked by the Runner. With --follow the exit
                code is the run's status (as for narwhal run --follow); a dropped connection resumes where it stopped.
                """,
            Examples = ["narwhal logs build/42", "narwhal logs build/42 --follow", "narwhal logs build/42 | grep -n error"],
        },
    ];

    public static async Task<int> RunAsync(CliContext cx)
    {
        var args = cx.Args;
        var reference = args.Required(1, "run id (or JOB/NUMBER)");
        var follow = args.Flag("follow");
        args.EnsureConsumed(2);
        var id = await RunCommands.ResolveAsync(cx, reference);
        if (follow) return await FollowAsync(cx, id);

        var text = await cx.Client.GetTextAsync($"/runs/{id}/results/console", cx.Cancel);
        if (cx.Out.Json) cx.Out.WriteJson(JsonSerializer.Serialize(new { id, text }, JsonOut.Compact));
        else await cx.Out.Out.WriteAsync(text);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Streams <c>/runs/{id}/results/console?follow=true</c>: log text to stdout as it arrives; at the
    /// end event, the exit code for the run's status (0 succeeded, 1 failed, 2 error, 3 timed_out,
    /// 4 aborted, 5 lost). A dropped connection is resumed from the last event id. With
    /// <paramref name="interactive"/> (run --follow): a waiting indicator while queued, and Ctrl-C
    /// asks whether to abort the run — or, without a terminal to ask on, stops following and leaves
    /// the run alone.
    /// </summary>
    public static async Task<int> FollowAsync(CliContext cx, string id, bool interactive = false, string? label = null)
    {
        string? lastEventId = null;
        var reconnects = 0;
        var endedWithNewline = true;
        var abortRequested = false;
        var declined = false;
        await using var indicator = interactive ? WaitingIndicator.Start(cx, id) : null;
        var indicatorStopped = indicator is null;
        while (true)
        {
            var progressed = false;
            using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cx.Cancel);
            using var offer = interactive && !abortRequested ? cx.Interrupts.Offer(interrupt.Cancel) : null;
            if (declined)
            {
                // Said only once the next Ctrl-C is offered again: a press right after this line asks again.
                await cx.Out.Err.WriteLineAsync("Still following (the run goes on).");
                declined = false;
            }
            try
            {
                await foreach (var e in cx.Client.StreamEventsAsync($"/runs/{id}/results/console?follow=true", lastEventId, interrupt.Token))
                {
                    progressed = true;
                    if (e.Id is not null) lastEventId = e.Id;
                    JsonElement data;
                    try { data = JsonDocument.Parse(e.Data).RootElement.Clone(); }
                    catch (JsonException) { continue; }

                    if (!indicatorStopped && (e.Event == "end" || data.S("text").Length > 0))
                    {
                        await indicator!.DisposeAsync();
                        indicatorStopped = true;
                    }
                    if (cx.Out.Json) cx.Out.WriteJsonLine(data);
                    if (e.Event == "log")
                    {
                        if (cx.Out.Json) continue;
                        var text = data.S("text");
                        if (text.Length == 0) continue;
                        await cx.Out.Out.WriteAsync(text);
                        await cx.Out.Out.FlushAsync(cx.Cancel);
                        endedWithNewline = text.EndsWith('\n');
                    }
                    else if (e.Event == "end")
                    {
                        var status = data.S("status");
                        if (!cx.Out.Json)
                        {
                            if (!endedWithNewline) await cx.Out.Out.WriteLineAsync();
                            var exit = data.S("exitCode");
                            var reason = data.S("reason");
                            await cx.Out.Err.WriteLineAsync($"Run {status}" + (exit.Length > 0 ? $" (exit code {exit})" : "")
                                + (reason.Length > 0 ? $": {reason}" : "")
                                + (data.S("truncated") == "true" ? " — log truncated at its size limit" : ""));
                        }
                        return ExitCodes.ForRunStatus(status);
                    }
                }
            }
            catch (OperationCanceledException) when (interrupt.IsCancellationRequested && !cx.Cancel.IsCancellationRequested)
            {
                // Ctrl-C while following.
                if (!indicatorStopped)
                {
                    await indicator!.DisposeAsync();
                    indicatorStopped = true;
                }
                if (!endedWithNewline) { await cx.Out.Out.WriteLineAsync(); endedWithNewline = true; }
                if (!cx.StdinIsTerminal)
                {
                    await cx.Out.Err.WriteLineAsync($"narwhal: stopped following; run {label ?? id} goes on (narwhal runs abort {id} stops it)");
                    return 130;
                }
                if (await AskAsync(cx, $"Abort run {label ?? id}? [y/N] "))
                {
                    await cx.Client.PostAsync($"/runs/{id}/abort", null, cx.Cancel);
                    await cx.Out.Err.WriteLineAsync("Abort requested; following until the run ends (Ctrl-C again leaves it).");
                    abortRequested = true;
                }
                else declined = true;
                continue;
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Connection && lastEventId is not null && reconnects < 5)
            {
                // Fall through: resume from the last event.
            }
            // The stream closed without an end event: resume where it stopped, a few times.
            reconnects = progressed ? 0 : reconnects + 1;
            if (reconnects >= 5)
                throw new CliException(ExitCodes.Connection, $"the console stream of run {id} keeps closing without an end event");
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, 0.5 * (reconnects + 1))), cx.Cancel);
        }
    }

    /// <summary>A y/N question on stderr, answered on stdin; a second Ctrl-C while asking cancels the command.</summary>
    private static async Task<bool> AskAsync(CliContext cx, string question)
    {
        await cx.Out.Err.WriteAsync(question);
        // A console read does not observe the token; racing it against cancellation keeps Ctrl-C working.
        var read = cx.Stdin.ReadLineAsync(cx.Cancel).AsTask();
        var cancelled = Task.Delay(Timeout.Infinite, cx.Cancel);
        if (await Task.WhenAny(read, cancelled) == cancelled) cx.Cancel.ThrowIfCancellationRequested();
        var answer = await read;
        return answer?.Trim().ToLowerInvariant() is "y" or "yes";
    }
}
