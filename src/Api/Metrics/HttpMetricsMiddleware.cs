using System.Diagnostics;

namespace Narwhal.Api.Metrics;

/// <summary>
/// Times every request for <c>narwhal_http_request_duration_seconds</c>, labelled with the route
/// template (<c>/runs/{id:guid}</c>, without a trailing slash; never the concrete path, so label values stay few) or
/// "unmatched". Outermost in the pipeline: the status recorded is the one the client got.
/// </summary>
public sealed class HttpMetricsMiddleware(RequestDelegate next, ApiMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } raw ? "/" + raw.Trim('/') : "unmatched";
            metrics.RequestAnswered(context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
    }
}
