namespace Narwhal.Cli;

/// <summary>
/// A small command-line parser: positionals, <c>--name value</c> / <c>--name=value</c> options
/// (repeatable), and flags. Options may come anywhere; <c>--</c> ends options.
/// </summary>
public sealed class CliArgs
{
    private static readonly HashSet<string> Flags = ["follow", "help", "yes", "prune", "dry-run", "version"];
    private static readonly Dictionary<char, string> Short = new() { ['o'] = "output", ['h'] = "help", ['p'] = "param", ['b'] = "branch", ['f'] = "file", ['y'] = "yes" };

    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    public static CliArgs Parse(IReadOnlyList<string> args)
    {
        var parsed = new CliArgs();
        var onlyPositionals = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyPositionals || arg == "-" || !arg.StartsWith('-'))
            {
                parsed.Positionals.Add(arg);
                continue;
            }
            if (arg == "--") { onlyPositionals = true; continue; }

            string name;
            string? value = null;
            if (arg.StartsWith("--"))
            {
                name = arg[2..];
                var eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            }
            else if (arg.Length == 2 && Short.TryGetValue(arg[1], out var longName)) name = longName;
            else throw CliException.Usage($"unknown option '{arg}' (see narwhal --help)");

            if (name.Length == 0) throw CliException.Usage($"invalid option '{arg}'");
            if (Flags.Contains(name))
            {
                if (value is not null && value is not ("true" or "false")) throw CliException.Usage($"--{name} takes no value");
                if (value != "false") parsed.Add(name, "true");
                continue;
            }
            if (value is null)
            {
                if (i + 1 >= args.Count) throw CliException.Usage($"--{name} needs a value");
                value = args[++i];
            }
            parsed.Add(name, value);
        }
        return parsed;
    }

    private void Add(string name, string value)
    {
        if (!_options.TryGetValue(name, out var list)) _options[name] = list = [];
        list.Add(value);
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    public string? Option(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var values)) return null;
        if (values.Count > 1) throw CliException.Usage($"--{name} given more than once");
        return values[0];
    }

    public IReadOnlyList<string> Options(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var values) ? values : [];
    }

    /// <summary>Moves the values of <c>--<paramref name="from"/></c> that <paramref name="which"/> picks to <c>--<paramref name="to"/></c>.</summary>
    public void Move(string from, string to, Func<string, bool> which)
    {
        if (!_options.TryGetValue(from, out var values)) return;
        foreach (var value in values.Where(which).ToList())
        {
            values.Remove(value);
            Add(to, value);
        }
        if (values.Count == 0) _options.Remove(from);
    }

    /// <summary>The positional at <paramref name="index"/> or a usage error naming it.</summary>
    public string Required(int index, string what) =>
        index < Positionals.Count ? Positionals[index] : throw CliException.Usage($"missing {what}");

    /// <summary>Fails on options the command never asked about and on extra positionals.</summary>
    public void EnsureConsumed(int positionals)
    {
        var unknown = _options.Keys.FirstOrDefault(k => !_used.Contains(k));
        if (unknown is not null) throw CliException.Usage($"unknown option '--{unknown}' (see narwhal --help)");
        if (Positionals.Count > positionals) throw CliException.Usage($"unexpected argument '{Positionals[positionals]}'");
    }
}
