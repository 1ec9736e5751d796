using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary><c>login</c>, <c>context list</c>, <c>context use NAME</c>.</summary>
public static class ContextCommands
{
    public static async Task<int> LoginAsync(CliContext cx)
    {
        var args = cx.Args;
        var url = args.Option("url") ?? throw CliException.Usage("login needs --url URL (the token is read from stdin, never from an argument)");
        if (args.Option("token") is not null) throw CliException.Usage("login reads the token from stdin; do not pass --token");
        var name = args.Option("name");
        args.EnsureConsumed(1);
        var uri = CliContext.ParseUrl(url);
        name ??= uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";

        if (cx.StdinIsTerminal) await cx.Out.Err.WriteAsync($"Token for {uri.GetLeftPart(UriPartial.Authority)}: ");
        var token = (cx.StdinIsTerminal ? Prompt.ReadHidden() : await cx.Stdin.ReadLineAsync(cx.Cancel))?.Trim();
        if (cx.StdinIsTerminal) await cx.Out.Err.WriteLineAsync();
        if (string.IsNullOrEmpty(token)) throw CliException.Usage("no token given on stdin");

        // Check the token before saving it: one cheap authenticated read.
        using (var client = new ApiClient(uri, token, cx.Handler))
            await client.GetAsync("/jobs?limit=1", cx.Cancel);

        var config = cx.Config.Load();
        config.Contexts[name] = new ContextEntry { Url = uri.AbsoluteUri.TrimEnd('/'), Token = token };
        config.CurrentContext = name;
        cx.Config.Save(config);

        if (cx.Out.Json)
            cx.Out.WriteJson(JsonSerializer.Serialize(new { context = name, url = config.Contexts[name].Url, path = cx.Config.Path }, JsonOut.Compact));
        else
            await cx.Out.Out.WriteLineAsync($"Logged in to {config.Contexts[name].Url} as context '{name}' (saved in {cx.Config.Path}).");
        return ExitCodes.Ok;
    }

    public static IEnumerable<CommandSpec> Specs =>
    [
        new("login", "narwhal login --url URL [--name NAME]", "check a token and save it as a named context", LoginAsync)
        {
            Options = ["name"],
            Details = """
                The token is read from stdin (prompted without echo on a terminal), never from an argument, and
                checked against the server before it is saved in the owner-only config file. The new context
                becomes the current one.
                """,
            Examples =
            [
                "narwhal login --url https://ci.example.com",
                "echo \"$NARWHAL_TOKEN\" | narwhal login --url http://localhost:55480 --name local",
            ],
        },
        new("context list", "narwhal context list", "list saved contexts (* marks the current one)", (cx) => Task.FromResult(List(cx)))
        {
            Aliases = ["context ls"],
            Examples = ["narwhal context list"],
        },
        new("context use", "narwhal context use NAME", "make NAME the current context", (cx) => Task.FromResult(Use(cx)))
        {
            Argument = ArgKind.Context,
            Examples = ["narwhal context use production", "narwhal --context staging runs list   # one command only"],
        },
    ];

    private static int List(CliContext cx)
    {
        var args = cx.Args;
        args.EnsureConsumed(2);
        var config = cx.Config.Load();
        if (cx.Out.Json)
        {
            var items = config.Contexts.Select(c => new { name = c.Key, url = c.Value.Url, current = c.Key == config.CurrentContext });
            cx.Out.WriteJson(JsonSerializer.Serialize(new { currentContext = config.CurrentContext, items }, JsonOut.Compact));
            return ExitCodes.Ok;
        }
        if (config.Contexts.Count == 0)
        {
            cx.Out.Err.WriteLine($"No contexts in {cx.Config.Path}; run narwhal login --url URL.");
            return ExitCodes.Ok;
        }
        cx.Out.Table(["CURRENT", "NAME", "URL"],
            config.Contexts.Select(c => (IReadOnlyList<string>)[c.Key == config.CurrentContext ? "*" : "", c.Key, c.Value.Url]).ToList());
        return ExitCodes.Ok;
    }

    private static int Use(CliContext cx)
    {
        var args = cx.Args;
        var name = args.Required(2, "context name");
        args.EnsureConsumed(3);
        var config = cx.Config.Load();
        if (!config.Contexts.TryGetValue(name, out var context))
            throw new CliException(ExitCodes.Config, $"no context '{name}' in {cx.Config.Path} (have: {string.Join(", ", config.Contexts.Keys)})");
        config.CurrentContext = name;
        cx.Config.Save(config);
        if (!cx.Out.Json) cx.Out.Out.WriteLine($"Current context: {name} ({context.Url})");
        else cx.Out.WriteJson(JsonSerializer.Serialize(new { currentContext = name }, JsonOut.Compact));
        return ExitCodes.Ok;
    }
}
