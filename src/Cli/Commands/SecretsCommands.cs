using System.Text;
using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary>
/// <c>secrets set JOB KEY | list JOB | delete JOB KEY</c> (admin scope). A value is read from stdin or a
/// file, never from an argument, and never printed.
/// </summary>
public static class SecretsCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("secrets set", "narwhal secrets set JOB KEY [--from-file PATH]", "set a job secret from stdin or a file (never an argument)", Set)
        {
            Argument = ArgKind.Job,
            Options = ["from-file"],
            Details = """
                The value is the whole of stdin (on a terminal: typed without echo) or of --from-file PATH, less one
                trailing newline, so `echo` and editors' final newlines do not become part of it. It is never taken
                from an argument, which would land in shell history and the process list, and never printed.
                KEY becomes an environment variable of the job's runs (letters, digits, '_'; CI and NARWHAL_* are
                reserved); the Runner masks the value in the console log, so it must be 6 characters or more.
                Prints what the API did: created, updated, or unchanged (the same value again writes nothing).
                Needs an admin token.
                """,
            Examples =
            [
                "narwhal secrets set deploy AWS_SECRET_ACCESS_KEY          # prompts without echo",
                "pass show deploy/npm | narwhal secrets set build NPM_TOKEN",
                "narwhal secrets set deploy SSH_KEY --from-file ~/.ssh/deploy_ed25519",
                "vault kv get -field=token ci/docker | narwhal secrets set build DOCKER_TOKEN -o json",
            ],
        },
        new("secrets list", "narwhal secrets list JOB", "list a job's secret names (never their values)", List)
        {
            Aliases = ["secrets ls"],
            Argument = ArgKind.Job,
            Examples = ["narwhal secrets list deploy", "narwhal secrets list deploy -o json | jq -r '.items[].name'"],
        },
        new("secrets delete", "narwhal secrets delete JOB KEY", "delete a job secret", Delete)
        {
            Aliases = ["secrets rm"],
            Argument = ArgKind.Job,
            Details = "Runs that already started keep the value they were given; later runs no longer get KEY.",
            Examples = ["narwhal secrets delete deploy OLD_TOKEN"],
        },
    ];

    private static async Task<int> Set(CliContext cx)
    {
        var args = cx.Args;
        var job = args.Required(2, "job name: narwhal secrets set JOB KEY");
        var key = args.Required(3, "secret name: narwhal secrets set JOB KEY");
        if (args.Option("value") is not null)
            throw CliException.Usage("secrets set takes no --value: an argument lands in shell history and the process list; " +
                                     "pipe the value on stdin or use --from-file PATH");
        // A third positional is most likely the value itself: refuse it without repeating it.
        if (args.Positionals.Count > 4)
            throw CliException.Usage("secrets set takes the value from stdin or --from-file PATH, never as an argument (shell history, process list)");
        var file = args.Option("from-file");
        args.EnsureConsumed(4);

        var value = file is not null ? await ReadFileAsync(file, cx.Cancel) : await ReadStdinAsync(cx, job, key);
        if (value.Length == 0) throw CliException.Usage(file is null ? "no value given on stdin" : $"{file} is empty");

        var answer = await cx.Client.SendAsync(HttpMethod.Put, $"/jobs/{Uri.EscapeDataString(job)}/secrets/{Uri.EscapeDataString(key)}",
            new { value }, cx.Cancel);
        if (cx.Out.Json) cx.Out.WriteJson(answer.Body);
        else await cx.Out.Out.WriteLineAsync($"Secret {key} of job {job}: {answer.Json.S("outcome")}.");
        return ExitCodes.Ok;
    }

    private static async Task<int> List(CliContext cx)
    {
        var args = cx.Args;
        var job = args.Required(2, "job name");
        args.EnsureConsumed(3);
        var page = await cx.Client.GetAsync($"/jobs/{Uri.EscapeDataString(job)}/secrets", cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(page.Body); return ExitCodes.Ok; }
        var items = page.Json.Items().ToList();
        if (items.Count == 0)
        {
            await cx.Out.Err.WriteLineAsync($"Job {job} has no secrets.");
            return ExitCodes.Ok;
        }
        cx.Out.Table(["NAME", "CREATED", "UPDATED"],
            items.Select(s => (IReadOnlyList<string>)[s.S("name"), s.Time("createdAt"), s.Time("updatedAt")]).ToList());
        Query.MoreHint(cx, page.Json);
        return ExitCodes.Ok;
    }

    private static async Task<int> Delete(CliContext cx)
    {
        var args = cx.Args;
        var job = args.Required(2, "job name");
        var key = args.Required(3, "secret name");
        args.EnsureConsumed(4);
        await cx.Client.DeleteAsync($"/jobs/{Uri.EscapeDataString(job)}/secrets/{Uri.EscapeDataString(key)}", cx.Cancel);
        // 204 has no body: the JSON says what was deleted.
        if (cx.Out.Json) cx.Out.WriteJson(JsonSerializer.Serialize(new { job, deleted = key }, JsonOut.Compact));
        else await cx.Out.Out.WriteLineAsync($"Deleted secret {key} of job {job}.");
        return ExitCodes.Ok;
    }

    private static async Task<string> ReadFileAsync(string path, CancellationToken ct)
    {
        try
        {
            return WithoutFinalNewline(await File.ReadAllTextAsync(path, Encoding.UTF8, ct));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"cannot read {path}: {e.Message}");
        }
    }

    private static async Task<string> ReadStdinAsync(CliContext cx, string job, string key)
    {
        if (!cx.StdinIsTerminal) return WithoutFinalNewline(await cx.Stdin.ReadToEndAsync(cx.Cancel));
        await cx.Out.Err.WriteAsync($"Value of {key} for job {job} (not shown): ");
        var value = Prompt.ReadHidden();
        await cx.Out.Err.WriteLineAsync();
        return value;
    }

    /// <summary>Drops one trailing "\n" or "\r\n" (what echo, here-strings and editors add).</summary>
    public static string WithoutFinalNewline(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2]
        : text.EndsWith('\n') ? text[..^1]
        : text;
}
