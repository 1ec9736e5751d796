namespace Narwhal.Cli;

/// <summary>Everything one invocation needs: parsed args, streams, environment, output mode, the connection.</summary>
public sealed class CliContext : IDisposable
{
    private ApiClient? _client;

    public CliContext(CliArgs args, TextWriter stdout, TextWriter stderr, TextReader stdin, IReadOnlyDictionary<string, string?> env,
        Terminal terminal, Interrupts interrupts)
    {
        Terminal = terminal;
        Interrupts = interrupts;
        var ct = interrupts.Token;
        var stdoutIsTerminal = terminal.Stdout;
        var stdinIsTerminal = terminal.Stdin;
        Args = args;
        Env = env;
        Stdin = stdin;
        StdinIsTerminal = stdinIsTerminal;
        Cancel = ct;
        Config = new ConfigStore(env);
        var output = args.Option("output") ?? "table";
        if (!IsOutputFormat(output)) throw CliException.Usage($"--output must be table or json, not '{output}'");
        var colour = stdoutIsTerminal && string.IsNullOrEmpty(env.GetValueOrDefault("NO_COLOR")) && env.GetValueOrDefault("TERM") != "dumb";
        Out = new Output(stdout, stderr, colour, output == "json");
        UrlOption = args.Option("url");
        TokenOption = args.Option("token");
        ContextOption = args.Option("context");
    }

    public static bool IsOutputFormat(string value) => value is "table" or "json";

    public CliArgs Args { get; }
    public IReadOnlyDictionary<string, string?> Env { get; }
    public TextReader Stdin { get; }
    public bool StdinIsTerminal { get; }
    public Terminal Terminal { get; }
    public Interrupts Interrupts { get; }
    public CancellationToken Cancel { get; }
    public ConfigStore Config { get; }
    public Output Out { get; }
    public string? UrlOption { get; }
    public string? TokenOption { get; }
    public string? ContextOption { get; }

    /// <summary>Only for tests: a handler for the HttpClient.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>
    /// The API client: URL and token each from --url/--token, else NARWHAL_URL/NARWHAL_TOKEN,
    /// else the context (--context NAME or the current one) in the config file.
    /// </summary>
    public ApiClient Client
    {
        get
        {
            if (_client is not null) return _client;
            var url = UrlOption ?? NonEmpty(Env.GetValueOrDefault("NARWHAL_URL"));
            var token = TokenOption ?? NonEmpty(Env.GetValueOrDefault("NARWHAL_TOKEN"));
            if (url is null || token is null)
            {
                var config = Config.Load();
                var name = ContextOption ?? config.CurrentContext;
                ContextEntry? entry = null;
                if (name is not null && !config.Contexts.TryGetValue(name, out entry) && ContextOption is not null)
                    throw new CliException(ExitCodes.Config, $"no context '{name}' in {Config.Path} (see narwhal context list)");
                if (entry is not null && (url is null || url == entry.Url))
                {
                    url ??= entry.Url;
                    token ??= entry.Token;
                }
            }
            if (url is null)
                throw new CliException(ExitCodes.Config, "no server configured: pass --url, set NARWHAL_URL, or run narwhal login --url URL");
            _client = new ApiClient(ParseUrl(url), token, Handler);
            return _client;
        }
    }

    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw CliException.Usage($"invalid server URL '{url}' (expected http://host:port or https://…)");
        return uri;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    public void Dispose() => _client?.Dispose();
}

/// <summary>Which of the standard streams are a terminal (prompts, colour, progress indicators).</summary>
public sealed record Terminal(bool Stdin, bool Stdout, bool Stderr)
{
    public static readonly Terminal None = new(false, false, false);
}
