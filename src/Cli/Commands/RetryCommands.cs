using System.Text.Json;
using Narwhal.Cli.Following;

namespace Narwhal.Cli.Commands;

/// <summary><c>runs retry RUN STEP</c> and <c>runs retry-failed RUN</c>: new attempts of a pipeline's steps, in the same run.</summary>
public static class RetryCommands
{
    private const string FollowDetails = """
        With --follow: follows the run as narwhal run --follow does (each step's state as it changes, the log of each
        step that fails; exit code: the run's status), or with --step KEY that step's console.
        A run without steps has none to retry: narwhal runs rerun RUN runs it again.
        """;

    public static IEnumerable<CommandSpec> Specs =>
    [
        new("runs retry", "narwhal runs retry RUN STEP [--follow [--step KEY]]",
            "retry a step of a pipeline that ended, and the steps after it that did not succeed", RetryStep)
        {
            Argument = ArgKind.Run,
            Then = ArgKind.Step,
            Options = ["follow", "step"],
            Details = """
                STEP is a step's key (narwhal runs show RUN lists them). Only a step that ended can be retried (else the
                API answers 409: exit 14, with its reason). The step gets a new attempt, and so does every step after it
                (needing it, directly or not) that did not succeed; the steps that succeeded keep their results and
                artifacts. A run that had ended runs again until the new attempts end.

                """ + FollowDetails,
            Examples = ["narwhal runs retry release/7 test", "narwhal runs retry release/7 deploy --follow"],
        },
        new("runs retry-failed", "narwhal runs retry-failed RUN [--follow [--step KEY]]",
            "retry every step of a pipeline that failed, and the steps after them that did not succeed", RetryFailed)
        {
            Argument = ArgKind.Run,
            Options = ["follow", "step"],
            Details = """
                Retries each step whose current attempt failed, timed out, ended in error, was lost or was aborted, as
                narwhal runs retry does for one. When none did, the API answers 409 (exit 14).

                """ + FollowDetails,
            Examples = ["narwhal runs retry-failed release/7", "narwhal runs retry-failed release/7 --follow && echo released"],
        },
    ];

    private static Task<int> RetryStep(CliContext cx) => RetryAsync(cx, oneStep: true);

    private static Task<int> RetryFailed(CliContext cx) => RetryAsync(cx, oneStep: false);

    /// <summary>Posts the retry; says which steps start again (the attempts before and after tell), or follows the run.</summary>
    /// <param name="oneStep">runs retry RUN STEP; else runs retry-failed RUN.</param>
    private static async Task<int> RetryAsync(CliContext cx, bool oneStep)
    {
        var args = cx.Args;
        var usage = oneStep ? "narwhal runs retry RUN STEP" : "narwhal runs retry-failed RUN";
        var reference = args.Required(2, $"run id (or JOB/NUMBER): {usage}");
        var key = oneStep ? args.Required(3, $"step key: {usage} (narwhal runs show RUN lists the steps)") : null;
        var follow = args.Flag("follow");
        var step = RunCommands.StepToFollow(args, follow);
        args.EnsureConsumed(oneStep ? 4 : 3);
        var id = await RunCommands.ResolveAsync(cx, reference);
        var path = key is null ? $"/runs/{id}/retry-failed" : $"{RunSteps.Path(id, key)}/retry";

        var before = (await cx.Client.GetAsync($"/runs/{id}", cx.Cancel)).Json;
        ApiResponse answer;
        try
        {
            answer = await cx.Client.PostAsync(path, null, cx.Cancel);
        }
        catch (CliException e) when (e.HttpStatus == 409 && !RunSteps.IsPipeline(before))
        {
            throw new CliException(e.ExitCode, $"{e.Message} (with the CLI: narwhal runs rerun {reference})") { HttpStatus = e.HttpStatus };
        }

        var run = answer.Json;
        var label = RunCommands.Label(run);
        if (cx.Out.Json)
        {
            if (follow) cx.Out.WriteJsonLine(run);
            else cx.Out.WriteJson(answer.Body);
        }
        else
        {
            var retried = RunSteps.Of(run)
                .Where(s => Attempt(s) > (RunSteps.Find(before, s.S("key")) is { } was ? Attempt(was) : 0))
                .Select(s => $"{s.S("key")} (attempt {Attempt(s)})")
                .ToList();
            var line = retried.Count == 0 ? $"Retrying steps of run {label}" : $"Retrying run {label}: {string.Join(", ", retried)}";
            if (follow) await cx.Out.Err.WriteLineAsync($"{line}; following {(step is null ? "its steps" : $"step '{step}'")}…");
            else await cx.Out.Out.WriteLineAsync($"{line}. Follow it: narwhal logs {label} --follow");
        }
        return follow ? await RunFollow.FollowAsync(cx, id, step, interactive: true, label: label) : ExitCodes.Ok;
    }

    private static int Attempt(JsonElement step) => step.P("attempt") is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : 0;
}
