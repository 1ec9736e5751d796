namespace Narwhal.Cli;

/// <summary>What a positional argument of a command is, so shell completion can offer values.</summary>
public enum ArgKind { None, Job, Run, Context, File, Shell, Step }

/// <summary>
/// One command: its words ("runs list"), usage line, one-line summary, longer help, examples, the
/// options it takes and what its arguments are (for help and shell completion), and its handler.
/// </summary>
public sealed record CommandSpec(string Name, string Usage, string Summary, Func<CliContext, Task<int>> Run)
{
    public IReadOnlyList<string> Aliases { get; init; } = [];
    public string? Details { get; init; }
    public IReadOnlyList<string> Examples { get; init; } = [];

    /// <summary>Long option names this command reads, e.g. "branch", "follow".</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    public ArgKind Argument { get; init; }

    /// <summary>What the positional after <see cref="Argument"/> is (<c>runs retry RUN STEP</c>: a step of that run).</summary>
    public ArgKind Then { get; init; }

    /// <summary>
    /// The option a <c>-o</c>/<c>--output</c> value other than an output format means on this command
    /// (<c>results download -o DIR</c>, as curl and wget users guess); <c>-o json</c> stays the format.
    /// </summary>
    public string? OutputElse { get; init; }

    /// <summary>How many words the name has ("runs list" = 2): positionals after it are the command's arguments.</summary>
    public int Words => Name.Split(' ').Length;

    public string Help()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("narwhal ").Append(Name).Append(" — ").AppendLine(Summary).AppendLine();
        sb.Append("Usage: ").AppendLine(Usage);
        if (Details is not null) sb.AppendLine().AppendLine(Details.TrimEnd());
        if (Examples.Count > 0)
        {
            sb.AppendLine().AppendLine("Examples:");
            foreach (var example in Examples) sb.Append("  ").AppendLine(example);
        }
        sb.AppendLine().AppendLine("Global options: --url URL, --token TOKEN, --context NAME, -o/--output table|json, -h/--help (narwhal --help)");
        return sb.ToString();
    }
}
