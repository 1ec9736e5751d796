using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary><c>logs RUN [--follow]</c>, and following a console as Server-Sent Events (also for run --follow).</summary>
public static class LogsCommands
{
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
    /// 4 aborted, 5 lost). A dropped connection is resumed from the last event id.
    /// </summary>
    public static async Task<int> FollowAsync(CliContext cx, string id)
    {
        string? lastEventId = null;
        var reconnects = 0;
        var endedWithNewline = true;
        while (true)
        {
            var progressed = false;
            try
            {
                await foreach (var e in cx.Client.StreamEventsAsync($"/runs/{id}/results/console?follow=true", lastEventId, cx.Cancel))
                {
                    progressed = true;
                    if (e.Id is not null) lastEventId = e.Id;
                    JsonElement data;
                    try { data = JsonDocument.Parse(e.Data).RootElement.Clone(); }
                    catch (JsonException) { continue; }

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
}
