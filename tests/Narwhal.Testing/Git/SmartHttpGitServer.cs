using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Narwhal.Testing.Git;

/// <summary>
/// Git's smart HTTP protocol on 127.0.0.1 (free port): Kestrel runs <c>git http-backend</c> as a CGI
/// for each request, serving the repositories under one folder as <c>{BaseUrl}/{name}</c>.
/// Optionally demands Basic auth, or holds requests until the client goes away.
/// </summary>
public sealed class SmartHttpGitServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _projectRoot;
    private readonly (string User, string Token)? _account;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;
    private int _stalled;
    private int _stallsAborted;

    private SmartHttpGitServer(WebApplication app, string projectRoot, (string, string)? account)
    {
        _app = app;
        _projectRoot = projectRoot;
        _account = account;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>Hold every request (after auth) until the client disconnects.</summary>
    public bool Stall { get; set; }

    public int Requests => Volatile.Read(ref _requests);
    public int StalledRequests => Volatile.Read(ref _stalled);
    public int StalledRequestsAborted => Volatile.Read(ref _stallsAborted);

    public string UrlOf(UpstreamRepository repository) => $"{BaseUrl}/{repository.Name}";

    public static async Task<SmartHttpGitServer> StartAsync(string projectRoot, (string User, string Token)? account = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new SmartHttpGitServer(app, projectRoot, account);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (_account is { } account && !HasAccount(context.Request, account))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"narwhal-test\"";
            return;
        }
        if (Stall)
        {
            Interlocked.Increment(ref _stalled);
            try
            {
                await _released.Task.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _stallsAborted);
            }
            return;
        }
        await RunBackendAsync(context);
    }

    private static bool HasAccount(HttpRequest request, (string User, string Token) account)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{account.User}:{account.Token}"));
        return request.Headers.Authorization.ToString() == expected;
    }

    private async Task RunBackendAsync(HttpContext context)
    {
        var request = context.Request;
        var info = new ProcessStartInfo("git", "http-backend")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = info.Environment;
        foreach (var name in environment.Keys.Where(k => k.StartsWith("GIT_", StringComparison.Ordinal)).ToList()) environment.Remove(name);
        environment["GIT_CONFIG_NOSYSTEM"] = "1";
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        environment["GIT_PROJECT_ROOT"] = _projectRoot;
        environment["GIT_HTTP_EXPORT_ALL"] = "1";
        environment["REQUEST_METHOD"] = request.Method;
        environment["PATH_INFO"] = request.Path.Value;
        environment["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        environment["CONTENT_TYPE"] = request.ContentType ?? "";
        environment["REMOTE_ADDR"] = "127.0.0.1";
        environment["REMOTE_USER"] = _account?.User ?? "";
        if (request.ContentLength is { } length) environment["CONTENT_LENGTH"] = length.ToString();
        if (request.Headers.ContentEncoding.ToString() is { Length: > 0 } encoding) environment["HTTP_CONTENT_ENCODING"] = encoding;
        if (request.Headers["Git-Protocol"].ToString() is { Length: > 0 } protocol) environment["GIT_PROTOCOL"] = protocol;

        using var process = Process.Start(info)!;
        var input = Task.Run(async () =>
        {
            await request.Body.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();
        });
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.BaseStream;
        foreach (var line in await ReadCgiHeadersAsync(output))
        {
            var colon = line.IndexOf(':');
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase)) context.Response.StatusCode = int.Parse(value[..3]);
            else context.Response.Headers[name] = value;
        }
        await output.CopyToAsync(context.Response.Body);
        await input;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) TestContextLog($"http-backend exited {process.ExitCode}: {await errors}");
    }

    private static async Task<List<string>> ReadCgiHeadersAsync(Stream output)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var one = new byte[1];
        while (await output.ReadAsync(one) == 1)
        {
            if (one[0] == '\r') continue;
            if (one[0] != '\n')
            {
                line.Append((char)one[0]);
                continue;
            }
            if (line.Length == 0) break;
            lines.Add(line.ToString());
            line.Clear();
        }
        return lines;
    }

    private static void TestContextLog(string text) => NUnit.Framework.TestContext.Progress.WriteLine(text);

    public async ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
