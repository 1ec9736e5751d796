using System.Text.Json;
using Narwhal.Cli.Following;

namespace Narwhal.Cli.Commands;

/// <summary><c>logs RUN [--step KEY [--attempt N]] [--follow]</c>: a run's console, a step's, or every step's.</summary>
public static class LogsCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("logs", "narwhal logs RUN [--step KEY [--attempt N]] [--follow]",
            "print a run's console log; --follow streams it live until the run ends", RunAsync)
        {
            Aliases = ["log"],
            Argument = ArgKind.Run,
            Options = ["follow", "step", "attempt"],
            Details = """
                RUN is a run id or JOB/NUMBER. Secrets are already masked by the Runner. With --follow the exit
                code is the run's status (as for narwhal run --follow); a dropped connection resumes where it stopped.
                A pipeline has no console of its own: logs prints each step's log, every line behind its step's key
                ([build] …), and --follow prints the steps' states as they change and the log of each step that fails.
                --step KEY prints that step's log alone (--attempt N: an earlier attempt of it), and with --follow
                streams it live; the exit code is then the step's status (6 if it was skipped).
                """,
            Examples =
            [
                "narwhal logs build/42",
                "narwhal logs build/42 --follow",
                "narwhal logs build/42 | grep -n error",
                "narwhal logs release/7 --step test",
                "narwhal logs release/7 --step test --attempt 1",
                "narwhal logs release/7 --step deploy --follow",
            ],
        },
    ];

    public static async Task<int> RunAsync(CliContext cx)
    {
        var args = cx.Args;
        var reference = args.Required(1, "run id (or JOB/NUMBER)");
        var follow = args.Flag("follow");
        var step = args.Option("step");
        var attempt = RunSteps.ParseAttempt(args.Option("attempt"), step);
        args.EnsureConsumed(2);
        if (follow && attempt is not null) throw CliException.Usage("--attempt is for a step's log as stored; --follow follows its current attempt");
        var id = await RunCommands.ResolveAsync(cx, reference);
        if (follow) return await RunFollow.FollowAsync(cx, id, step);
        if (step is not null)
        {
            var log = await cx.Client.GetTextAsync($"{RunSteps.Path(id, step)}/console{RunSteps.AttemptQuery(attempt)}", cx.Cancel);
            if (cx.Out.Json) cx.Out.WriteJson(JsonSerializer.Serialize(new { id, step, attempt, text = log }, JsonOut.Compact));
            else await cx.Out.Out.WriteAsync(log);
            return ExitCodes.Ok;
        }

        string text;
        try
        {
            text = await cx.Client.GetTextAsync($"/runs/{id}/results/console", cx.Cancel);
        }
        catch (CliException e) when (e.HttpStatus == 409)
        {
            // A pipeline: its output is its steps' logs.
            var run = (await cx.Client.GetAsync($"/runs/{id}", cx.Cancel)).Json;
            if (!RunSteps.IsPipeline(run)) throw;
            return await StepLogsAsync(cx, id, run);
        }
        if (cx.Out.Json) cx.Out.WriteJson(JsonSerializer.Serialize(new { id, text }, JsonOut.Compact));
        else await cx.Out.Out.WriteAsync(text);
        return ExitCodes.Ok;
    }

    /// <summary>Every step's log in the pipeline's order, each line behind its key; steps without a log (waiting, skipped) are left out.</summary>
    private static async Task<int> StepLogsAsync(CliContext cx, string id, JsonElement run)
    {
        var logs = new List<(JsonElement Step, string Text)>();
        foreach (var step in RunSteps.Of(run))
        {
            try
            {
                logs.Add((step, await cx.Client.GetTextAsync($"{RunSteps.Path(id, step.S("key"))}/console", cx.Cancel)));
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
            {
                // Never started (waiting, skipped, aborted while queued): no log to show.
            }
        }
        if (cx.Out.Json)
        {
            var steps = logs.Select(l => new { key = l.Step.S("key"), attempt = l.Step.P("attempt"), text = l.Text });
            cx.Out.WriteJson(JsonSerializer.Serialize(new { id, steps }, JsonOut.Compact));
            return ExitCodes.Ok;
        }
        foreach (var (step, text) in logs) await cx.Out.Out.WriteAsync(RunSteps.Prefixed(StepLines.Label(step), text));
        if (logs.Count == 0) await cx.Out.Err.WriteLineAsync($"No step of run {RunCommands.Label(run)} has a log yet (its steps: {RunSteps.Keys(run)}).");
        return ExitCodes.Ok;
    }
}
