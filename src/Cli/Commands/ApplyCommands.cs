using Narwhal.Cli.Apply;

namespace Narwhal.Cli.Commands;

/// <summary><c>apply -f FILE|DIR [--prune] [--dry-run] [--yes]</c>: jobs and their secrets as code.</summary>
public static class ApplyCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("apply", "narwhal apply -f FILE|DIR [-f …] [--prune] [--dry-run] [--yes]", "make the server's jobs and secrets match YAML files", ApplyAsync)
        {
            Argument = ArgKind.File,
            Options = ["file", "prune", "dry-run", "yes"],
            Details = """
                Each YAML document holds `jobs:`, a list of jobs with the same fields as PUT /jobs/{name} (type,
                git.url, git.configPath, git.defaultBranch, resourceClass, image, script, parameters,
                timeoutSeconds, …) plus `name`, and optionally `secrets` and `gitCredentials` given BY
                REFERENCE — { fromEnv: VAR } or { fromFile: PATH } (relative to the YAML file; one trailing
                newline dropped). A value written in the file is refused. -f DIR reads every *.yaml/*.yml below it.

                The plan comes from the server's own dry run (PUT …?dryRun=true): + create, ~ update (with each
                changed field, from → to), = unchanged, - delete. Nothing is written if any item is invalid; the
                errors point at file:line:column. Applying the same input again reports everything unchanged and
                writes nothing. --prune also deletes jobs absent from the input (refused by the server for jobs
                with queued or running runs) and, for jobs in the input, secrets and git credentials they do
                not declare; a plan that deletes needs --yes, or a "y" at the prompt on a terminal.
                Exit: 0 applied (or nothing to do), 14 an item failed or was refused, 16 the input is invalid.
                """,
            Examples =
            [
                "narwhal apply -f narwhal.yaml --dry-run",
                "GITHUB_TOKEN=… narwhal apply -f ci/jobs/",
                "narwhal apply -f ci/jobs/ --prune --yes -o json",
                """
                # narwhal.yaml
                  jobs:
                    - name: build
                      type: git
                      git: { url: "https://github.com/acme/app.git", defaultBranch: main }
                      timeoutSeconds: 1800
                      secrets:
                        NPM_TOKEN: { fromEnv: NPM_TOKEN }
                        DEPLOY_KEY: { fromFile: ./keys/deploy }
                      gitCredentials: { username: x-access-token, token: { fromEnv: GITHUB_TOKEN } }
                """,
            ],
        },
    ];

    private static async Task<int> ApplyAsync(CliContext cx)
    {
        var args = cx.Args;
        var files = args.Options("file").ToList();
        var prune = args.Flag("prune");
        var dryRun = args.Flag("dry-run");
        var yes = args.Flag("yes");
        args.EnsureConsumed(1);
        if (files.Count == 0) throw CliException.Usage("apply needs -f FILE or -f DIR (see narwhal apply --help)");

        IReadOnlyList<DesiredJob> jobs;
        try
        {
            jobs = new ApplyFileReader(cx.Env).Read(files, out _);
        }
        catch (ApplyInputException e)
        {
            throw new CliException(ExitCodes.Input, e.Message.Replace("\n", "\nnarwhal: ", StringComparison.Ordinal));
        }

        var api = cx.Client;
        var plan = await new Planner(api).PlanAsync(jobs, prune, cx.Cancel);
        if (plan.Errors.Count > 0)
        {
            if (cx.Out.Json) cx.Out.Out.WriteLine(PlanPrinter.Json(plan, api.BaseUrl, dryRun, applied: false));
            throw new CliException(ExitCodes.Api, "the server refused the input; nothing was changed:\nnarwhal: " + string.Join("\nnarwhal: ", plan.Errors));
        }

        if (!cx.Out.Json) PlanPrinter.WritePlan(cx.Out, plan);
        if (dryRun || !plan.HasChanges)
        {
            if (cx.Out.Json) cx.Out.Out.WriteLine(PlanPrinter.Json(plan, api.BaseUrl, dryRun, applied: false));
            else cx.Out.Out.WriteLine(dryRun ? "Dry run: nothing was changed." : "No changes: the server matches the input.");
            return ExitCodes.Ok;
        }

        var deletes = plan.Count(PlanAction.Delete);
        if (deletes > 0 && !yes && !await ConfirmAsync(cx, $"Apply this plan, deleting {deletes} item(s)? [y/N] "))
            throw CliException.Usage(cx.StdinIsTerminal
                ? "not applied"
                : $"the plan deletes {deletes} item(s); pass --yes to apply it without a prompt");

        await new PlanApplier(api).ApplyAsync(plan, cx.Cancel);
        if (cx.Out.Json) cx.Out.Out.WriteLine(PlanPrinter.Json(plan, api.BaseUrl, dryRun: false, applied: true));
        else PlanPrinter.WriteResults(cx.Out, plan);
        return plan.Items.Any(i => i.Result is "failed" or "skipped") ? ExitCodes.Api : ExitCodes.Ok;
    }

    private static async Task<bool> ConfirmAsync(CliContext cx, string question)
    {
        if (!cx.StdinIsTerminal) return false;
        await cx.Out.Err.WriteAsync(question);
        var answer = await cx.Stdin.ReadLineAsync(cx.Cancel);
        return answer?.Trim().ToLowerInvariant() is "y" or "yes";
    }
}
