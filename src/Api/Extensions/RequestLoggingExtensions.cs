using Serilog;
using Serilog.Events;

namespace Narwhal.Api.Extensions;

public static class RequestLoggingExtensions
{
    /// <summary>
    /// One line per request: method, path, status and time taken (Serilog's request log). The path is logged
    /// without its query string and no header is logged: either may carry a token. Health probes and metric
    /// scrapes are logged at debug, so they do not drown the rest; a 5xx is an error.
    /// </summary>
    public static WebApplication UseNarwhalRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(o =>
        {
            // This process's logger (with its masking), not the static Log.Logger.
            o.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} answered {StatusCode} in {Elapsed:0.0} ms";
            o.IncludeQueryInRequestPath = false;
            o.GetLevel = (http, _, exception) =>
                exception is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
                : http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments("/metrics") ? LogEventLevel.Debug
                : LogEventLevel.Information;
        });
        return app;
    }
}
