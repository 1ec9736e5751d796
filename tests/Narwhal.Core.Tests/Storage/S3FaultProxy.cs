using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Narwhal.Core.Tests.Storage;

/// <summary>
/// A loopback HTTP proxy in front of the test S3 server that records every request and lets a
/// test fail chosen ones: cut the connection, or answer an S3 error, instead of forwarding.
/// Point <c>StorageSettings.ServiceUrl</c> at <see cref="Url"/>. (s3rver does not check
/// signatures, so the changed Host does not matter.)
/// </summary>
internal sealed class S3FaultProxy : IAsyncDisposable
{
    /// <param name="BodyLength">Bytes of payload: the decoded length when the body was aws-chunked.</param>
    public sealed record SeenRequest(string Method, string Target, long BodyLength)
    {
        public string? Query(string name) =>
            Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Target.Contains('?') ? Target[Target.IndexOf('?')..] : "")
                .TryGetValue(name, out var value) ? value.ToString() : null;

        public bool IsPart(int partNumber) => Method == "PUT" && Query("partNumber") == partNumber.ToString();
    }

    /// <summary>What to do with one request instead of forwarding it.</summary>
    public enum Fault { None, DropConnection, InternalError, BadRequest }

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;

    private S3FaultProxy(WebApplication app, HttpClient upstream, string url)
    {
        _app = app;
        _upstream = upstream;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Decides per request; called after the request body has been read.</summary>
    public Func<SeenRequest, Fault> Faults { get; set; } = _ => Fault.None;

    public static async Task<S3FaultProxy> StartAsync(string upstreamUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
        {
            BaseAddress = new Uri(upstreamUrl),
        };
        S3FaultProxy? proxy = null;
        app.Run(context => proxy!.HandleAsync(context));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        proxy = new S3FaultProxy(app, upstream, url);
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        // The body is buffered so a fault happens after the client has sent everything.
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        var decoded = request.Headers["x-amz-decoded-content-length"].ToString();
        var seen = new SeenRequest(request.Method, target, decoded.Length > 0 ? long.Parse(decoded) : body.Length);
        Requests.Enqueue(seen);

        switch (Faults(seen))
        {
            case Fault.DropConnection:
                context.Abort();
                return;
            case Fault.InternalError:
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "InternalError");
                return;
            case Fault.BadRequest:
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "InvalidArgument");
                return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (body.Length > 0 || request.ContentLength is not null)
            forward.Content = new ByteArrayContent(body.ToArray());
        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                continue;
            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                forward.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        using var response = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            context.Response.Headers[name] = values.ToArray();
        }
        if (request.Method != "HEAD")
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string code)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>Injected by the test proxy</Message></Error>");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
