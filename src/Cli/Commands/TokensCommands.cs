using System.Globalization;
using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary><c>tokens create NAME --scopes … | list | revoke ID</c> (admin scope).</summary>
public static class TokensCommands
{
    public static IEnumerable<CommandSpec> Specs =>
    [
        new("tokens create", "narwhal tokens create NAME --scopes read,trigger,admin [--expires TIME|DURATION]",
            "create an API token; its secret is printed once", Create)
        {
            Options = ["scopes", "expires"],
            Details = """
                --scopes is a comma-separated list (or repeated): read (GET), trigger (start and abort runs),
                admin (jobs, secrets, tokens). --expires takes a UTC time (2027-01-01T00:00:00Z, 2027-01-01) or a
                duration from now (90m, 12h, 30d, 8w); without it the token never expires.
                The secret is printed on stdout, alone on its line, and never again: the server keeps only its hash.
                Table mode also says so on stderr; with -o json the API's answer is printed and the secret is .secret.
                Needs an admin token.
                """,
            Examples =
            [
                "narwhal tokens create deploy-bot --scopes read,trigger --expires 30d",
                "export NARWHAL_TOKEN=$(narwhal tokens create ci --scopes trigger)",
                "narwhal tokens create ci --scopes trigger -o json | jq -r .secret",
                "narwhal tokens create ops --scopes admin --expires 2027-01-01T00:00:00Z",
            ],
        },
        new("tokens list", "narwhal tokens list", "list active tokens (never their secrets)", List)
        {
            Aliases = ["tokens ls"],
            Details = "Revoked and expired tokens are not listed. LAST USED is when the token last authenticated a request.",
            Examples = ["narwhal tokens list", "narwhal tokens list -o json | jq -r '.[] | select(.lastUsedAt == null) | .name'"],
        },
        new("tokens revoke", "narwhal tokens revoke ID|NAME", "revoke a token: it stops working at once", Revoke)
        {
            Aliases = ["tokens rm", "tokens delete"],
            Details = "ID is the token's id as tokens list shows it; the name of an active token works too.",
            Examples = ["narwhal tokens revoke 0193a5c2-7b1e-7c3d-9f00-1234567890ab", "narwhal tokens revoke deploy-bot"],
        },
    ];

    private static async Task<int> Create(CliContext cx)
    {
        var args = cx.Args;
        var name = args.Required(2, "token name: narwhal tokens create NAME --scopes …");
        var scopes = args.Options("scopes").SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).ToList();
        var expires = args.Option("expires");
        args.EnsureConsumed(3);
        // Which scopes exist is the server's to say; only a missing --scopes is caught here.
        if (scopes.Count == 0) throw CliException.Usage("tokens create needs --scopes (one or more of read, trigger, admin)");

        var body = new Dictionary<string, object> { ["name"] = name, ["scopes"] = scopes };
        if (expires is not null) body["expiresAt"] = ParseExpiry(expires, DateTimeOffset.UtcNow).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var answer = await cx.Client.PostAsync("/tokens", body, cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(answer.Body); return ExitCodes.Ok; }

        var created = answer.Json;
        var token = created.P("token");
        var expiry = token.Time("expiresAt") is { Length: > 0 } e ? $"expires {e}" : "never expires";
        await cx.Out.Err.WriteLineAsync(
            $"Created token '{token.S("name")}' ({token.S("id")}; {Scopes(token)}; {expiry}).\n" +
            "Its secret is below and is shown only this once: store it now.");
        await cx.Out.Out.WriteLineAsync(created.S("secret"));
        return ExitCodes.Ok;
    }

    private static async Task<int> List(CliContext cx)
    {
        cx.Args.EnsureConsumed(2);
        var answer = await cx.Client.GetAsync("/tokens", cx.Cancel);
        if (cx.Out.Json) { cx.Out.WriteJson(answer.Body); return ExitCodes.Ok; }
        var tokens = answer.Json.ValueKind == JsonValueKind.Array ? answer.Json.EnumerateArray().ToList() : [];
        if (tokens.Count == 0)
        {
            await cx.Out.Err.WriteLineAsync("No active tokens.");
            return ExitCodes.Ok;
        }
        cx.Out.Table(["ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED"],
            tokens.Select(t => (IReadOnlyList<string>)[
                t.S("id"), t.S("name"), Scopes(t), t.Time("createdAt"),
                t.Time("expiresAt") is { Length: > 0 } e ? e : "never",
                t.Time("lastUsedAt") is { Length: > 0 } u ? u : "never"]).ToList());
        return ExitCodes.Ok;
    }

    private static async Task<int> Revoke(CliContext cx)
    {
        var args = cx.Args;
        var reference = args.Required(2, "token id (or name)");
        args.EnsureConsumed(3);
        var (id, name) = await ResolveAsync(cx, reference);
        await cx.Client.DeleteAsync($"/tokens/{id}", cx.Cancel);
        // 204 has no body: the JSON says what was revoked.
        if (cx.Out.Json) cx.Out.WriteJson(JsonSerializer.Serialize(new { revoked = id, name }, JsonOut.Compact));
        else await cx.Out.Out.WriteLineAsync($"Revoked token {(name is null ? id : $"'{name}' ({id})")}.");
        return ExitCodes.Ok;
    }

    /// <summary>A token id as given, or the id of the active token with that name.</summary>
    private static async Task<(string Id, string? Name)> ResolveAsync(CliContext cx, string reference)
    {
        if (Guid.TryParse(reference, out var id)) return (id.ToString(), null);
        var tokens = (await cx.Client.GetAsync("/tokens", cx.Cancel)).Json;
        var match = tokens.ValueKind == JsonValueKind.Array
            ? tokens.EnumerateArray().FirstOrDefault(t => t.S("name") == reference)
            : default;
        return match.ValueKind == JsonValueKind.Object
            ? (match.S("id"), reference)
            : throw new CliException(ExitCodes.NotFound, $"no active token with id or name '{reference}' (see narwhal tokens list)");
    }

    /// <summary>"2027-01-01T00:00:00Z", "2027-01-01" (UTC), or a duration from now: "90m", "12h", "30d", "8w".</summary>
    public static DateTimeOffset ParseExpiry(string text, DateTimeOffset now)
    {
        if (text.Length >= 2 && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            try
            {
                TimeSpan? span = text[^1] switch
                {
                    'm' => TimeSpan.FromMinutes(n),
                    'h' => TimeSpan.FromHours(n),
                    'd' => TimeSpan.FromDays(n),
                    'w' => TimeSpan.FromDays(7.0 * n),
                    _ => null,
                };
                if (span is { } s) return now + s;
            }
            catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
            {
                throw CliException.Usage($"--expires {text} is too far in the future");
            }
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at;
        throw CliException.Usage($"--expires takes a time (2027-01-01T00:00:00Z) or a duration (90m, 12h, 30d, 8w), not '{text}'");
    }

    private static string Scopes(JsonElement token) =>
        token.P("scopes") is { ValueKind: JsonValueKind.Array } scopes ? string.Join(",", scopes.EnumerateArray().Select(s => s.GetString())) : "";
}
