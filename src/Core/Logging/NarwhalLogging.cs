using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Configuration;
using Serilog;
using Serilog.Configuration;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace Narwhal.Core.Logging;

/// <summary>
/// Serilog for every process: human-readable lines by default, one JSON object per line with
/// NARWHAL_LOG_FORMAT=json (for log shippers). Serilog.AspNetCore is not available here, so the
/// logger is plugged into Microsoft.Extensions.Logging directly. With a masker, every event passes
/// through <see cref="MaskingSink"/> before it is written.
/// </summary>
public static class NarwhalLogging
{
    /// <param name="masker">Secrets to hide in every line (the Runner's: those of its running runs); none when null.</param>
    public static ILoggingBuilder AddNarwhalLogging(this ILoggingBuilder logging, IConfiguration config, string component, ITextMasker? masker = null)
    {
        var level = config.GetString("NARWHAL_LOG_LEVEL", "information").ToLowerInvariant() switch
        {
            "verbose" or "trace" => LogEventLevel.Verbose,
            "debug" => LogEventLevel.Debug,
            "information" or "info" => LogEventLevel.Information,
            "warning" or "warn" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            var other => throw new InvalidOperationException($"Setting NARWHAL_LOG_LEVEL='{other}' must be one of debug, information, warning, error."),
        };
        var loggerConfig = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            // Framework chatter stays at warning unless debugging.
            .MinimumLevel.Override("Microsoft", level <= LogEventLevel.Debug ? level : LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Component", component)
            .Enrich.WithProperty("Instance", InstanceSettings.From(config).Name);

        Func<LoggerSinkConfiguration, LoggerConfiguration> console = config.GetString("NARWHAL_LOG_FORMAT", "text") switch
        {
            "json" => to => to.Console(new JsonFormatter(renderMessage: true)),
            "text" => to => to.Console(
                outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} [{Component}] {SourceContext}: {Message:lj}{NewLine}{Exception}"),
            var other => throw new InvalidOperationException($"Setting NARWHAL_LOG_FORMAT='{other}' must be text or json."),
        };
        loggerConfig = masker is null
            ? console(loggerConfig.WriteTo)
            : LoggerSinkConfiguration.Wrap(loggerConfig.WriteTo, sink => new MaskingSink(sink, masker), to => console(to));
        return logging.ClearProviders().AddSerilog(loggerConfig.CreateLogger(), dispose: true);
    }
}
