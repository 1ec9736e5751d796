using Narwhal.Cli.Commands;

namespace Narwhal.Cli;

public static class Program
{
    public const string Help = """
        narwhal — command-line client for the Narwhal CI REST API

        Usage: narwhal <command> [arguments] [options]

        Commands:
          login --url URL [--name NAME]       save a context; the token is read from stdin (or prompted, not echoed)
          context list                        list saved contexts (* marks the current one)
          context use NAME                    make NAME the current context
          jobs list                           list jobs
          jobs get NAME                       show one job
          jobs delete NAME                    delete a job (refused while it has queued or running runs)
          run JOB [--branch B | --commit SHA] [--param k=v]... [--follow]
                                              trigger a run; with --follow stream its console and exit with its status
          runs list [--job J] [--status S] [--branch B] [--limit N] [--cursor C]
                                              list runs, newest first
          runs show RUN                       show one run
          runs abort RUN                      abort a queued or running run
          runs rerun RUN [--follow]           run again with the same source and parameters
          logs RUN [--follow]                 print a run's console log; --follow streams it live until the run ends
          RUN is a run id, or JOB/NUMBER (e.g. hello/3).

        Options (every command):
          --url URL            server (else NARWHAL_URL, else the current context)
          --token TOKEN        bearer token (else NARWHAL_TOKEN, else the current context)
          --context NAME       use this saved context instead of the current one
          -o, --output FORMAT  table (default) or json: the API's JSON as it answered
                               (with --follow: one JSON object per line — the run, then each event's data)
          -h, --help           this help

        Config: $XDG_CONFIG_HOME/narwhal/config.json (default ~/.config/narwhal/config.json), owner-only.
        Colour only when stdout is a terminal and NO_COLOR is unset.

        """ + ExitCodes.Help;

    public static async Task<int> Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        var stderr = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
        return await RunAsync(args, stdout, stderr, env, Console.In,
            stdoutIsTerminal: !Console.IsOutputRedirected, stdinIsTerminal: !Console.IsInputRedirected, ct: cts.Token);
    }

    /// <summary>
    /// The whole CLI, for in-process use (tests): nothing is read from the process environment or
    /// console except through these parameters.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IDictionary<string, string?> env,
        TextReader? stdin = null, bool stdoutIsTerminal = false, bool stdinIsTerminal = false, CancellationToken ct = default,
        HttpMessageHandler? handler = null)
    {
        try
        {
            var parsed = CliArgs.Parse(args);
            if (parsed.Flag("help") || parsed.Positionals is ["help", ..])
            {
                await stdout.WriteAsync(Help);
                return ExitCodes.Ok;
            }
            if (parsed.Positionals.Count == 0)
            {
                await stderr.WriteAsync(Help);
                return ExitCodes.Usage;
            }

            using var context = new CliContext(parsed, stdout, stderr, stdin ?? TextReader.Null,
                new Dictionary<string, string?>(env), stdoutIsTerminal, stdinIsTerminal, ct) { Handler = handler };
            return parsed.Positionals[0] switch
            {
                "login" => await ContextCommands.LoginAsync(context),
                "context" or "contexts" => ContextCommands.Run(context),
                "jobs" or "job" => await JobsCommands.RunAsync(context),
                "run" => await RunCommands.TriggerAsync(context),
                "runs" => await RunCommands.RunAsync(context),
                "logs" or "log" => await LogsCommands.RunAsync(context),
                var other => throw CliException.Usage($"unknown command '{other}' (see narwhal --help)"),
            };
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
