using Narwhal.Cli.Commands;

namespace Narwhal.Cli;

public static class Program
{
    public static string Help => CommandTable.Help();

    /// <summary>The informational version (set by scripts/build-cli.sh with -p:Version), without the source hash.</summary>
    public static string Version =>
        (System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(Program).Assembly)
            ?.InformationalVersion ?? "0.0.0").Split('+')[0];

    public static async Task<int> Main(string[] args)
    {
        using var interrupts = new Interrupts();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupts.Raise();
        };
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        var stderr = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
        return await RunAsync(args, stdout, stderr, env, Console.In,
            new Terminal(!Console.IsInputRedirected, !Console.IsOutputRedirected, !Console.IsErrorRedirected), interrupts);
    }

    /// <summary>
    /// The whole CLI, for in-process use (tests): nothing is read from the process environment or
    /// console except through these parameters.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IDictionary<string, string?> env,
        TextReader? stdin = null, Terminal? terminal = null, Interrupts? interrupts = null, HttpMessageHandler? handler = null)
    {
        using var ownInterrupts = interrupts is null ? new Interrupts() : null;
        interrupts ??= ownInterrupts!;
        var ct = interrupts.Token;
        try
        {
            var parsed = CliArgs.Parse(args);
            var positionals = parsed.Positionals;
            if (parsed.Flag("version"))
            {
                await stdout.WriteLineAsync($"narwhal {Version}");
                return ExitCodes.Ok;
            }
            var help = parsed.Flag("help");
            if (positionals is ["help", ..])
            {
                positionals.RemoveAt(0);
                help = true;
            }
            if (positionals.Count == 0)
            {
                await (help ? stdout : stderr).WriteAsync(Help);
                return help ? ExitCodes.Ok : ExitCodes.Usage;
            }

            var spec = CommandTable.Find(positionals);
            if (spec is null && CommandTable.Group(positionals[0]) is { } group)
            {
                positionals[0] = group;
                spec = CommandTable.Find(positionals);
                if (spec is null)
                {
                    if (help || positionals.Count == 1)
                    {
                        await (help ? stdout : stderr).WriteAsync(CommandTable.GroupHelp(group));
                        return help ? ExitCodes.Ok : ExitCodes.Usage;
                    }
                    throw CliException.Usage($"unknown command '{group} {positionals[1]}' (see narwhal {group} --help)");
                }
            }
            if (spec is null) throw CliException.Usage($"unknown command '{positionals[0]}' (see narwhal --help)");
            if (help)
            {
                await stdout.WriteAsync(spec.Help());
                return ExitCodes.Ok;
            }

            if (spec.OutputElse is { } other) parsed.Move("output", other, value => !CliContext.IsOutputFormat(value));
            using var context = new CliContext(parsed, stdout, stderr, stdin ?? TextReader.Null,
                new Dictionary<string, string?>(env), terminal ?? Terminal.None, interrupts)
            { Handler = handler };
            return await spec.Run(context);
        }
        catch (CliException e)
        {
            await stderr.WriteLineAsync($"narwhal: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("narwhal: interrupted");
            return 130;
        }
    }
}
