using System.Text.Json;
using Narwhal.Cli.Commands;

namespace Narwhal.Cli.Following;

/// <summary>
/// Streams one console as Server-Sent Events (a run's <c>/runs/{id}/results/console?follow=true</c>, or a step's
/// <c>/runs/{id}/steps/{key}/console?follow=true</c>): log text to stdout as it arrives; at the end event, the exit
/// code for the status it ended with (<see cref="ExitCodes.ForRunStatus"/>). A dropped connection is resumed from
/// the last event id. With -o json: each event's data as one line.
/// </summary>
public sealed class ConsoleFollow(CliContext cx, AbortPrompt prompt)
{
    /// <summary>Some log text arrived: the console belongs to a run that executes (not one that turns out a pipeline).</summary>
    public bool SawText { get; private set; }

    /// <param name="path">The console's follow URL.</param>
    /// <param name="subject">How the end line names what ended: "Run", "Step 'test'".</param>
    /// <param name="indicator">The waiting indicator to stop at the first text (run --follow), if any.</param>
    /// <param name="switchAway">Cancelled when the run turned out to be a pipeline: returns null instead of an exit code.</param>
    public async Task<int?> FollowAsync(string path, string subject, WaitingIndicator? indicator, CancellationToken switchAway)
    {
        string? lastEventId = null;
        var reconnects = 0;
        var endedWithNewline = true;
        var indicatorStopped = indicator is null;
        while (true)
        {
            var progressed = false;
            using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cx.Cancel, switchAway);
            using var offer = prompt.Offer(interrupt);
            try
            {
                await foreach (var e in cx.Client.StreamEventsAsync(path, lastEventId, interrupt.Token))
                {
                    progressed = true;
                    if (e.Id is not null) lastEventId = e.Id;
                    JsonElement data;
                    try { data = JsonDocument.Parse(e.Data).RootElement.Clone(); }
                    catch (JsonException) { continue; }

                    var text = data.S("text");
                    if (text.Length > 0) SawText = true;
                    if (!indicatorStopped && (e.Event == "end" || text.Length > 0))
                    {
                        await indicator!.DisposeAsync();
                        indicatorStopped = true;
                    }
                    if (cx.Out.Json) cx.Out.WriteJsonLine(data);
                    if (e.Event == "log")
                    {
                        if (cx.Out.Json || text.Length == 0) continue;
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
                            await cx.Out.Err.WriteLineAsync($"{subject} {status}" + (exit.Length > 0 ? $" (exit code {exit})" : "")
                                + (reason.Length > 0 ? $": {reason}" : "")
                                + (data.S("truncated") == "true" ? " — log truncated at its size limit" : ""));
                        }
                        return ExitCodes.ForRunStatus(status);
                    }
                }
            }
            catch (OperationCanceledException) when (switchAway.IsCancellationRequested && !cx.Cancel.IsCancellationRequested)
            {
                if (!endedWithNewline) await cx.Out.Out.WriteLineAsync();
                return null;
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
                if (await prompt.InterruptedAsync() is { } stop) return stop;
                continue;
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Connection && lastEventId is not null && reconnects < 5)
            {
                // Fall through: resume from the last event.
            }
            // The stream closed without an end event: resume where it stopped, a few times.
            reconnects = progressed ? 0 : reconnects + 1;
            if (reconnects >= 5)
                throw new CliException(ExitCodes.Connection, $"the console stream at {path.Split('?')[0]} keeps closing without an end event");
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, 0.5 * (reconnects + 1))), cx.Cancel);
        }
    }
}
