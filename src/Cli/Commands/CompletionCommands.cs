using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary>
/// <c>completion bash|zsh|fish</c> prints a small script; the script asks the hidden
/// <c>__complete</c> command for candidates, so completion always matches this binary's commands
/// and can offer job names, runs and contexts from the server.
/// </summary>
public static class CompletionCommands
{
    /// <summary>Options that take a value (the next word is that value, not a positional).</summary>
    private static readonly HashSet<string> ValueOptions =
        ["url", "token", "context", "output", "branch", "commit", "param", "idempotency-key", "job", "status", "limit", "cursor",
         "name", "kind", "file", "scopes", "expires", "from-file", "output-dir", "step", "attempt", "field"];

    private static readonly string[] GlobalOptions = ["url", "token", "context", "output", "help"];

    public static IEnumerable<CommandSpec> Specs =>
    [
        new("completion", "narwhal completion bash|zsh|fish", "print a shell completion script", Script)
        {
            Argument = ArgKind.Shell,
            Details = """
                Completes commands, options, job names, recent runs (JOB/NUMBER), the steps of the run on the
                command line (runs retry RUN STEP, --step) and context names; the server is asked with the
                current context, and silently skipped when it does not answer.
                """,
            Examples =
            [
                "narwhal completion bash > ~/.local/share/bash-completion/completions/narwhal",
                "narwhal completion zsh > \"${fpath[1]}/_narwhal\"",
                "narwhal completion fish > ~/.config/fish/completions/narwhal.fish",
                "source <(narwhal completion bash)                      # this shell",
            ],
        },
        new("__complete", "narwhal __complete WORD... CURRENT", "(used by the completion scripts) candidates for the last word", Complete),
    ];

    private static Task<int> Script(CliContext cx)
    {
        var shell = cx.Args.Required(1, "shell: bash, zsh or fish");
        cx.Args.EnsureConsumed(2);
        var script = shell switch
        {
            "bash" => Bash,
            "zsh" => Zsh,
            "fish" => Fish,
            _ => throw CliException.Usage($"unknown shell '{shell}' (bash, zsh, fish)"),
        };
        cx.Out.Out.Write(script);
        return Task.FromResult(ExitCodes.Ok);
    }

    /// <summary>Prints one candidate per line for the last argument, given the words before it.</summary>
    private static async Task<int> Complete(CliContext cx)
    {
        var words = cx.Args.Positionals.Skip(1).ToList();
        var current = words.Count > 0 ? words[^1] : "";
        var before = words.Count > 0 ? words[..^1] : [];
        foreach (var candidate in (await CandidatesAsync(cx, before, current)).Where(c => c.StartsWith(current, StringComparison.Ordinal)).Distinct())
            cx.Out.Out.WriteLine(candidate);
        return ExitCodes.Ok;
    }

    public static async Task<IEnumerable<string>> CandidatesAsync(CliContext cx, IReadOnlyList<string> before, string current)
    {
        var typingValue = before.Count > 0 && before[^1].StartsWith("--", StringComparison.Ordinal) && ValueOptions.Contains(before[^1][2..]) || before is [.., "-o"];
        var positionals = new List<string>();
        for (var i = 0; i < before.Count; i++)
        {
            var word = before[i];
            if (word.StartsWith('-'))
            {
                if (!word.Contains('=') && (word == "-o" || word.StartsWith("--") && ValueOptions.Contains(word[2..]))) i++;
                continue;
            }
            positionals.Add(word);
        }
        var spec = CommandTable.Find(positionals);
        if (spec is null && positionals.Count > 0 && CommandTable.Group(positionals[0]) is { } g)
        {
            positionals[0] = g;
            spec = CommandTable.Find(positionals);
        }
        // The run the command line names (the steps of it are what --step and a STEP argument take).
        var run = spec is { Argument: ArgKind.Run } && positionals.Count > spec.Words ? positionals[spec.Words] : null;

        // The option whose value is being typed.
        if (typingValue)
            return await OptionValuesAsync(cx, before[^1] == "-o" ? "output" : before[^1][2..], run);

        if (current.StartsWith('-'))
            return (spec?.Options ?? []).Concat(GlobalOptions).Select(o => "--" + o);
        if (positionals.Count == 0)
            return CommandTable.All.Where(c => !c.Name.StartsWith("__", StringComparison.Ordinal)).Select(c => c.Name.Split(' ')[0]);
        if (spec is null)
            return positionals.Count == 1 && CommandTable.Groups.Contains(positionals[0])
                ? CommandTable.Groups[positionals[0]].Select(c => c.Name.Split(' ')[1])
                : [];
        if (positionals.Count == spec.Words + 1 && spec.Then == ArgKind.Step && run is not null) return await StepKeysAsync(cx, run);
        if (positionals.Count != spec.Words) return [];
        // A command that is also a group ("results RUN" and "results download RUN") offers both.
        IEnumerable<string> subcommands = spec.Words == 1 && CommandTable.Groups.Contains(spec.Name)
            ? CommandTable.Groups[spec.Name].Select(c => c.Name.Split(' ')[1])
            : [];
        return subcommands.Concat(spec.Argument switch
        {
            ArgKind.Job => await JobNamesAsync(cx),
            ArgKind.Run => await RecentRunsAsync(cx),
            ArgKind.Context => cx.Config.Load().Contexts.Keys,
            ArgKind.Shell => ["bash", "zsh", "fish"],
            _ => [],
        });
    }

    private static async Task<IEnumerable<string>> OptionValuesAsync(CliContext cx, string option, string? run) => option switch
    {
        "step" when run is not null => await StepKeysAsync(cx, run),
        "output" => ["table", "json"],
        "context" => cx.Config.Load().Contexts.Keys,
        "job" => await JobNamesAsync(cx),
        "status" => ["queued", "running", "succeeded", "failed", "error", "timed_out", "aborted", "lost"],
        "kind" => ["junit", "artifacts", "console"],
        "scopes" => ["read", "trigger", "admin"],
        _ => [],
    };

    private static async Task<IEnumerable<string>> JobNamesAsync(CliContext cx) =>
        await QuietlyAsync(cx, "/jobs?limit=100", page => page.Items().Select(j => j.S("name")));

    private static async Task<IEnumerable<string>> RecentRunsAsync(CliContext cx) =>
        await QuietlyAsync(cx, "/runs?limit=50", page => page.Items().Select(r => $"{r.S("job")}/{r.S("number")}"));

    private static async Task<IEnumerable<string>> StepKeysAsync(CliContext cx, string run) =>
        await QuietlyAsync(cx, async ct => (await cx.Client.GetAsync($"/runs/{await RunCommands.ResolveAsync(cx, run, ct)}", ct)).Json,
            r => RunSteps.Of(r).Select(s => s.S("key")));

    private static Task<IEnumerable<string>> QuietlyAsync(CliContext cx, string path, Func<JsonElement, IEnumerable<string>> pick) =>
        QuietlyAsync(cx, async ct => (await cx.Client.GetAsync(path, ct)).Json, pick);

    /// <summary>Asks the server, giving up after 2 s and on any error: completion must never hang or print errors.</summary>
    private static async Task<IEnumerable<string>> QuietlyAsync(CliContext cx, Func<CancellationToken, Task<JsonElement>> ask, Func<JsonElement, IEnumerable<string>> pick)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cx.Cancel);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            return pick(await ask(timeout.Token)).ToList();
        }
        catch (Exception e) when (e is CliException or OperationCanceledException or JsonException)
        {
            return [];
        }
    }

    private const string Bash = """
        # bash completion for narwhal (narwhal completion bash)
        _narwhal() {
            local cur="${COMP_WORDS[COMP_CWORD]}"
            local IFS=$'\n'
            local candidates
            candidates=$(narwhal __complete -- "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) || return 0
            COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
        }
        complete -o default -F _narwhal narwhal

        """;

    private const string Zsh = """
        #compdef narwhal
        # zsh completion for narwhal (narwhal completion zsh)
        _narwhal() {
            local -a candidates
            candidates=("${(@f)$(narwhal __complete -- "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null)}")
            if (( ${#candidates[@]} )) && [[ -n "${candidates[1]}" ]]; then
                compadd -a candidates
            else
                _files
            fi
        }
        compdef _narwhal narwhal

        """;

    private const string Fish = """
        # fish completion for narwhal (narwhal completion fish)
        function __narwhal_complete
            set -l words (commandline -opc)
            set -e words[1]
            narwhal __complete -- $words (commandline -ct) 2>/dev/null
        end
        complete -c narwhal -f -a '(__narwhal_complete)'

        """;
}
