using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary><c>approve RUN STEP [--field NAME=VALUE …]</c> and <c>reject RUN STEP</c>: the decision of an approval gate.</summary>
public static class ApprovalCommands
{
    private const string Refusals = """
        The API refuses with its reason: 403 (exit 12) when your token is not among the gate's approvers (it says who
        may decide), 409 (exit 14) when the step is not a gate or does not await a decision (its needs still run, or
        it was decided), 404 (exit 13) for an unknown run or step.
        """;

    public static IEnumerable<CommandSpec> Specs =>
    [
        new("approve", "narwhal approve RUN STEP [--field NAME=VALUE ...]", "approve a pipeline step that waits for approval", ApproveAsync)
        {
            Argument = ArgKind.Run,
            Then = ArgKind.Step,
            Options = ["field"],
            Details = """
                STEP is the key of a step with block: (narwhal runs show RUN shows it "waiting for approval"). Each
                --field gives one of the gate's fields; the fields left out take their defaults, and a required field
                without one must be given (else the API answers 400, exit 14, naming it). The step succeeds and the steps after it
                start, with the fields as environment variables.

                """ + Refusals,
            Examples = ["narwhal approve release/7 approve --field VERSION=1.4.2", "narwhal approve 0190c5b2-… deploy-gate"],
        },
        new("reject", "narwhal reject RUN STEP", "reject a pipeline step that waits for approval", RejectAsync)
        {
            Argument = ArgKind.Run,
            Then = ArgKind.Step,
            Details = """
                The step fails ("Rejected by NAME."): the steps needing it are skipped (when: failure and always steps
                run), and the run fails unless the step allows failure.

                """ + Refusals,
            Examples = ["narwhal reject release/7 approve"],
        },
    ];

    private static Task<int> ApproveAsync(CliContext cx) => DecideAsync(cx, approve: true);

    private static Task<int> RejectAsync(CliContext cx) => DecideAsync(cx, approve: false);

    private static async Task<int> DecideAsync(CliContext cx, bool approve)
    {
        var args = cx.Args;
        var usage = approve ? "narwhal approve RUN STEP [--field NAME=VALUE ...]" : "narwhal reject RUN STEP";
        var reference = args.Required(1, $"run id (or JOB/NUMBER): {usage}");
        var key = args.Required(2, $"step key: {usage} (narwhal runs show RUN lists the steps)");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in approve ? args.Options("field") : [])
        {
            var eq = f.IndexOf('=');
            if (eq <= 0) throw CliException.Usage($"--field needs NAME=VALUE, not '{f}'");
            fields[f[..eq]] = f[(eq + 1)..];
        }
        args.EnsureConsumed(3);
        var id = await RunCommands.ResolveAsync(cx, reference);

        var answer = await cx.Client.PostAsync($"{RunSteps.Path(id, key)}/{(approve ? "approve" : "reject")}",
            approve ? new Dictionary<string, object> { ["fields"] = fields } : null, cx.Cancel);
        if (cx.Out.Json)
        {
            cx.Out.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }
        var run = answer.Json;
        var inputs = RunSteps.Find(run, key) is { } step && step.P("block").P("decision").P("fields") is { ValueKind: JsonValueKind.Object } given
            ? string.Join(", ", given.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"))
            : "";
        await cx.Out.Out.WriteLineAsync(approve
            ? $"Approved step '{key}' of run {RunCommands.Label(run)}{(inputs.Length > 0 ? $" with {inputs}" : "")}: the steps after it start now."
            : $"Rejected step '{key}' of run {RunCommands.Label(run)}: the steps needing it are skipped.");
        return ExitCodes.Ok;
    }
}
