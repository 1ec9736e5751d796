namespace Narwhal.Cli.Commands;

/// <summary>Every command of the CLI; help, dispatch and shell completion all read this one table.</summary>
public static class CommandTable
{
    public static readonly IReadOnlyList<CommandSpec> All =
    [
        .. ContextCommands.Specs,
        .. JobsCommands.Specs,
        .. ApplyCommands.Specs,
        .. RunCommands.Specs,
        .. RetryCommands.Specs,
        .. ApprovalCommands.Specs,
        .. LogsCommands.Specs,
        .. ResultsCommands.Specs,
        .. SecretsCommands.Specs,
        .. TokensCommands.Specs,
        .. RunnersCommands.Specs,
        .. CompletionCommands.Specs,
    ];

    /// <summary>The names of command groups ("jobs", "runs", …) with their commands.</summary>
    public static ILookup<string, CommandSpec> Groups { get; } =
        All.Where(c => c.Words > 1).ToLookup(c => c.Name.Split(' ')[0]);

    /// <summary>The command the positionals name (longest name or alias first), or null.</summary>
    public static CommandSpec? Find(IReadOnlyList<string> positionals)
    {
        foreach (var words in new[] { 2, 1 })
        {
            if (positionals.Count < words) continue;
            var name = string.Join(' ', positionals.Take(words));
            var match = All.FirstOrDefault(c => c.Words == words && (c.Name == name || c.Aliases.Contains(name)));
            if (match is not null) return match;
        }
        return null;
    }

    /// <summary>A group name as typed, singular or plural ("job" → "jobs", "contexts" → "context").</summary>
    public static string? Group(string word) =>
        Groups.Contains(word) ? word
        : Groups.Contains(word + "s") ? word + "s"
        : word.EndsWith('s') && Groups.Contains(word[..^1]) ? word[..^1]
        : null;

    public static string GroupHelp(string group)
    {
        var commands = Groups[group].ToList();
        var width = commands.Max(c => c.Name.Length);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"narwhal {group} — commands:").AppendLine();
        foreach (var c in commands) sb.AppendLine($"  narwhal {c.Name.PadRight(width)}  {c.Summary}");
        sb.AppendLine().AppendLine($"narwhal {group} COMMAND --help shows a command's options and examples.");
        return sb.ToString();
    }

    public static string Help()
    {
        var width = All.Max(c => c.Name.Length);
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("narwhal — command-line client for the Narwhal CI REST API").AppendLine();
        sb.AppendLine("Usage: narwhal <command> [arguments] [options]      narwhal <command> --help for examples").AppendLine();
        sb.AppendLine("Commands:");
        foreach (var c in All.Where(c => !c.Name.StartsWith("__", StringComparison.Ordinal)))
            sb.AppendLine($"  {c.Name.PadRight(width)}  {c.Summary}");
        sb.AppendLine("  RUN is a run id, or JOB/NUMBER (e.g. hello/3).");
        sb.AppendLine("""

            Options (every command):
              --url URL            server (else NARWHAL_URL, else the current context)
              --token TOKEN        bearer token (else NARWHAL_TOKEN, else the current context)
              --context NAME       use this saved context instead of the current one
              -o, --output FORMAT  table (default) or json: the API's JSON as it answered
                                   (with --follow: one JSON object per line — the run, then each event's data)
              -h, --help           help; with a command: its options and examples
              --version            print the CLI's version

            Config: $XDG_CONFIG_HOME/narwhal/config.json (default ~/.config/narwhal/config.json), owner-only.
            Colour only when stdout is a terminal and NO_COLOR is unset.
            Shell completion: narwhal completion bash|zsh|fish (see narwhal completion --help).

            """);
        // Ends with a newline, as every other help does: a shell prompt must not land on the last line.
        sb.AppendLine(ExitCodes.Help.TrimEnd('\n'));
        return sb.ToString();
    }
}
