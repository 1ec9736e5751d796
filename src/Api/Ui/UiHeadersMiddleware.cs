using System.Diagnostics;
using System.Globalization;

namespace Narwhal.Api.Ui;

/// <summary>
/// What every answer under <c>/ui</c> carries:
/// <list type="bullet">
/// <item><c>Server-Timing: app;dur=…</c>, milliseconds from this middleware (first in the pipeline) to the first byte
/// of the answer, so the browser's dev tools and bench/ (phase <c>ui</c>) see how long the Api took;</item>
/// <item>when NARWHAL_PUBLIC_URL is https, the request's scheme is https (the browser's, behind a proxy that ends
/// TLS), so cookies are Secure and antiforgery works;</item>
/// <item>a strict Content-Security-Policy (the pages use no inline script or style, no other origin) and no framing,
/// so no other site can overlay the UI's buttons; no MIME sniffing (a raw log is text, never HTML).</item>
/// </list>
/// </summary>
public sealed class UiHeadersMiddleware(RequestDelegate next, UiSettings settings)
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/ui")) return next(context);
        var started = Stopwatch.GetTimestamp();
        if (settings.PublicUrlIsHttps) context.Request.Scheme = Uri.UriSchemeHttps;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            headers.Append("Server-Timing", $"app;dur={ms.ToString("0.0", CultureInfo.InvariantCulture)}");
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        return next(context);
    }
}
