using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Narwhal.Cli.Commands;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>
/// A tour of every CLI command against a real Api and Runner, recording each HTTP request the CLI
/// sends; every one must be an operation /openapi/v1.json documents (method, path template, query
/// parameters). The CLI uses the public API only, never an undocumented route.
/// </summary>
[TestFixture]
public sealed partial class DocumentedOperations_Specs : StackFixture
{
    private string _dir = null!;
    private readonly List<Request> _requests = [];
    private readonly HashSet<string> _covered = [];
    private Dictionary<string, string?> _env = null!;

    private sealed record Request(string Command, string Method, string Path, IReadOnlyList<string> Query);

    /// <summary>Records method, path and query names of each request, then sends it on.</summary>
    private sealed class RecordingHandler(string command, List<Request> log) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var uri = request.RequestUri!;
            var query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => Uri.UnescapeDataString(pair.Split('=')[0])).ToList();
            lock (log) log.Add(new Request(command, request.Method.Method, uri.AbsolutePath, query));
            return base.SendAsync(request, ct);
        }
    }

    [OneTimeSetUp]
    public async Task Start()
    {
        _dir = Directory.CreateTempSubdirectory("narwhal-cli-tour-").FullName;
        _env = new Dictionary<string, string?>
        {
            ["XDG_CONFIG_HOME"] = Path.Combine(_dir, "config"),
            ["HOME"] = _dir,
            ["TOUR_SECRET"] = "tour-secret-value-1",
        };
        await Stack.StartRunnerAsync("cli-tour-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true" });
        await Results_Specs.PutReportingJobAsync(Client, _dir, "tour-tested");
        (await Client.PutFreestyleJobAsync("tour-sleep", TestEnvironment.BusyboxImage, "sleep 30")).EnsureSuccessStatusCode();
        var pipeline = $$"""
            { "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["echo step a"],
              "steps": { "a": {}, "b": { "needs": ["a"], "script": ["echo step b", "exit 1"] } } }
            """;
        using var content = new StringContent(pipeline, System.Text.Encoding.UTF8, "application/json");
        (await Client.PutAsync("/jobs/tour-pipe", content)).EnsureSuccessStatusCode();
        var gated = $$"""
            { "type": "freestyle", "image": "{{TestEnvironment.BusyboxImage}}", "script": ["echo v=$V"],
              "steps": { "a": {}, "gate": { "needs": ["a"], "block": "Go on?", "fields": { "V": { "required": true } } }, "b": { "needs": ["gate"] } } }
            """;
        using var gatedContent = new StringContent(gated, System.Text.Encoding.UTF8, "application/json");
        (await Client.PutAsync("/jobs/tour-gate", gatedContent)).EnsureSuccessStatusCode();
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Runs one command in-process through a recording handler; asserts its exit code.</summary>
    private async Task<Result> Run(int expectedExit, string? stdin, params string[] args)
    {
        var spec = CommandTable.Find(CliArgs.Parse(args).Positionals) ?? throw new InvalidOperationException($"no command for {string.Join(' ', args)}");
        _covered.Add(spec.Name);
        using var stdout = new SyncWriter();
        using var stderr = new SyncWriter();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var interrupts = new Interrupts(deadline.Token);
        var code = await Program.RunAsync(args, stdout, stderr, _env, stdin is null ? null : new StringReader(stdin), null, interrupts,
            handler: new RecordingHandler(string.Join(' ', args), _requests));
        var result = new Result(code, stdout.ToString(), stderr.ToString());
        Assert.That(result.ExitCode, Is.EqualTo(expectedExit), $"narwhal {string.Join(' ', args)}\n{result}");
        return result;
    }

    private Task<Result> Run(params string[] args) => Run(ExitCodes.Ok, null, args);

    [Test]
    public async Task Every_request_of_every_command_Should_be_a_documented_operation()
    {
        var url = Stack.ApiUrl.ToString();
        var yaml = Path.Combine(_dir, "tour.yaml");
        await File.WriteAllTextAsync(yaml, $$"""
            jobs:
              - name: tour-hi
                type: freestyle
                image: {{TestEnvironment.BusyboxImage}}
                script: ["echo hi from the tour"]
                secrets:
                  TOUR_SECRET: { fromEnv: TOUR_SECRET }
            """);

        await Run("completion", "bash");
        await Run(ExitCodes.Ok, TestStack.AdminToken + "\n", "login", "--url", url, "--name", "tour");
        await Run("context", "list");
        await Run("context", "use", "tour");

        await Run("apply", "-f", yaml, "--dry-run", "--prune");
        await Run("apply", "-f", yaml);
        await Run("jobs", "list", "--limit", "5");
        await Run("jobs", "get", "tour-hi");

        await Run("run", "tour-hi", "--follow");
        await Run("run", "tour-hi", "--idempotency-key", "tour-key-1", "-o", "json");
        var sleeping = (await Run("run", "tour-sleep", "-o", "json")).Json.Str("id");
        await Run("runs", "abort", sleeping);
        await Run("runs", "list", "--job", "tour-hi", "--status", "succeeded");
        await Run("runs", "show", "tour-hi/1");
        await Run("runs", "rerun", "tour-hi/1", "--follow");
        await Run("logs", "tour-hi/1");
        await Run("logs", "tour-hi/1", "--follow");

        await Run(ExitCodes.RunFailed, null, "run", "tour-pipe", "--follow");
        await Run("run", "tour-pipe", "--follow", "--step", "a");
        await Run("runs", "show", "tour-pipe/1");
        await Run("logs", "tour-pipe/1");
        await Run("logs", "tour-pipe/1", "--step", "b", "--attempt", "1");
        await Run(ExitCodes.RunFailed, null, "logs", "tour-pipe/1", "--follow");
        await Run(ExitCodes.RunFailed, null, "logs", "tour-pipe/1", "--follow", "--step", "b");
        await Run("runs", "retry", "tour-pipe/1", "b");
        await Client.WaitForRunEndAsync((await Client.GetJsonAsync("/jobs/tour-pipe/runs/1")).Str("id"));
        await Run(ExitCodes.RunFailed, null, "runs", "retry-failed", "tour-pipe/1", "--follow");
        await Run(ExitCodes.NotFound, null, "results", "tour-pipe/1");
        await Run(ExitCodes.NotFound, null, "results", "tour-pipe/1", "--step", "a", "--attempt", "1");
        await Run("results", "download", "tour-pipe/1", "--output-dir", Path.Combine(_dir, "pipeline"));
        await Run("results", "download", "tour-pipe/1", "--step", "b", "--attempt", "1", "--output-dir", Path.Combine(_dir, "step"));
        await Run("__complete", "--", "runs", "retry", "tour-pipe/1", "");

        foreach (var number in new[] { 1, 2 })
        {
            await Run("run", "tour-gate");
            await Eventually.UntilAsync(() => Client.GetJsonAsync($"/jobs/tour-gate/runs/{number}"), r => r.Str("status") == "waiting",
                $"tour-gate/{number} to wait for approval");
        }
        await Run("approve", "tour-gate/1", "gate", "--field", "V=1");
        await Run("reject", "tour-gate/2", "gate");

        await Run(ExitCodes.Ok, "tour-secret-value-2\n", "secrets", "set", "tour-hi", "EXTRA");
        await Run("secrets", "list", "tour-hi");
        await Run("secrets", "delete", "tour-hi", "EXTRA");

        await Run("tokens", "create", "tour-bot", "--scopes", "read", "--expires", "1d");
        await Run("tokens", "list");
        await Run("tokens", "revoke", "tour-bot");

        await Run("runners", "list");
        await Run(ExitCodes.NotFound, null, "runners", "drain", "tour-no-such-runner");

        await Run(ExitCodes.RunFailed, null, "run", "tour-tested", "--follow");
        await Run("results", "tour-tested/1");
        await Run(ExitCodes.NotFound, null, "results", "tour-hi/1");
        await Run("results", "download", "tour-tested/1", "--output-dir", Path.Combine(_dir, "download"));

        await Run("__complete", "--", "jobs", "get", "");
        await Run("__complete", "--", "logs", "");
        await Client.WaitForRunEndAsync(sleeping);
        await Run("jobs", "delete", "tour-sleep");

        var uncovered = CommandTable.All.Select(c => c.Name).Where(n => !_covered.Contains(n)).ToList();
        Assert.That(uncovered, Is.Empty, "the tour runs every command");

        using var anonymous = Stack.Client(token: null);
        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement.Clone();
        var operations = Operation.All(document, CatchAllTemplates());
        var undocumented = _requests.Where(r => !operations.Any(o => o.Matches(r.Method, r.Path, r.Query)))
            .Select(r => $"{r.Method} {r.Path}{(r.Query.Count > 0 ? "?" + string.Join('&', r.Query) : "")}   (narwhal {r.Command})")
            .Distinct().ToList();
        Assert.That(undocumented, Is.Empty, "requests the OpenAPI document does not describe");
        Assert.That(_requests.Select(r => r.Command).Distinct().Count(), Is.GreaterThan(25), "the recording saw the tour");
        Assert.That(_requests, Has.Some.Matches<Request>(r => r.Path.Contains("/results/artifacts/dist/sub/deep.txt")),
            "an artifact path of several segments, matched by the catch-all");
    }

    /// <summary>
    /// The paths whose last parameter is a catch-all ({**path}), as the document renders them ({path}):
    /// read from the running Api's routes, since the document itself does not tell one from {x}.
    /// </summary>
    private HashSet<string> CatchAllTemplates() =>
        Stack.ApiService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.Parameters.Count > 0 && e.RoutePattern.Parameters[^1].IsCatchAll)
            .Select(e => "/" + RouteParameter().Replace(e.RoutePattern.RawText!.Trim('/'), "{${name}}"))
            .ToHashSet();

    [GeneratedRegex(@"\{\**(?<name>[^}:=?]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    /// <summary>One documented operation: method, path template, and the query parameters it declares.</summary>
    private sealed record Operation(string Method, string[] Template, bool CatchAll, IReadOnlySet<string> QueryNames)
    {
        public static List<Operation> All(JsonElement document, IReadOnlySet<string> catchAll) =>
            document.GetProperty("paths").EnumerateObject().SelectMany(path =>
            {
                var shared = Parameters(path.Value);
                return path.Value.EnumerateObject().Where(m => m.Name != "parameters").Select(method =>
                    new Operation(method.Name.ToUpperInvariant(), path.Name.Trim('/').Split('/'), catchAll.Contains(path.Name.TrimEnd('/')),
                        shared.Concat(Parameters(method.Value)).ToHashSet()));
            }).ToList();

        private static IEnumerable<string> Parameters(JsonElement holder) =>
            holder.TryGetProperty("parameters", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!)
                : [];

        /// <summary>A literal segment matches itself, {x} one segment, and the last {x} of a catch-all route the rest.</summary>
        public bool Matches(string method, string path, IReadOnlyList<string> query)
        {
            if (method != Method || query.Any(q => !QueryNames.Contains(q))) return false;
            var segments = path.Trim('/').Split('/');
            if (segments.Length != Template.Length && !(CatchAll && segments.Length > Template.Length)) return false;
            for (var i = 0; i < Template.Length; i++)
            {
                var t = Template[i];
                if (t.StartsWith('{') && t.EndsWith('}')) { if (segments[i].Length == 0) return false; }
                else if (!string.Equals(t, segments[i], StringComparison.Ordinal)) return false;
            }
            return true;
        }
    }
}
