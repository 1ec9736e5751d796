using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Configuration;
using Serilog;
using Serilog.Configuration;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace Narwhal.Core.Logging;

/// <summary>
/// Serilog for every process, wired into the host by Serilog's own <c>AddSerilog</c>: human-readable lines by
/// default, one JSON object per line with NARWHAL_LOG_FORMAT=json (for log shippers). With a masker, every event
/// passes through <see cref="MaskingSink"/> before it is written.
/// </summary>
public static class NarwhalLogging
{
    /// <param name="masker">Secrets to hide in every line (the Runner's: those of its running runs); none when null.</param>
    public static WebApplicationBuilder AddNarwhalLogging(this WebApplicationBuilder builder, string component, ITextMasker? masker = null)
    {
        var config = builder.Configuration;
        var level = Level(config);
        var format = config.GetString("NARWHAL_LOG_FORMAT", "text");
        if (format is not ("text" or "json"))
            throw new InvalidOperationException($"Setting NARWHAL_LOG_FORMAT='{format}' must be text or json.");
        var categoryLevels = CategoryLevels(config);

        builder.Logging.ClearProviders();
        // preserveStaticLogger: tests run several processes in one test process; each keeps its own logger,
        // none touches the static Log.Logger. The logger is disposed (flushed) with the host.
        builder.Services.AddSerilog((_, loggerConfig) =>
        {
            loggerConfig
                .MinimumLevel.Is(level)
                // Framework chatter stays at warning unless debugging.
                .MinimumLevel.Override("Microsoft", level <= LogEventLevel.Debug ? level : LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Component", component)
                .Enrich.WithProperty("Instance", InstanceSettings.From(config).Name);
            foreach (var (category, categoryLevel) in categoryLevels) loggerConfig.MinimumLevel.Override(category, categoryLevel);

            Func<LoggerSinkConfiguration, LoggerConfiguration> console = format == "json"
                ? to => to.Console(new JsonFormatter(renderMessage: true))
                : to => to.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} [{Component}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            if (masker is null) console(loggerConfig.WriteTo);
            else loggerConfig.WriteTo.Sink(LoggerSinkConfiguration.Wrap(sink => new MaskingSink(sink, masker), to => console(to)));
        }, preserveStaticLogger: true);
        return builder;
    }

    private static LogEventLevel Level(IConfiguration config) =>
        config.GetString("NARWHAL_LOG_LEVEL", "information").ToLowerInvariant() switch
        {
            "verbose" or "trace" => LogEventLevel.Verbose,
            "debug" => LogEventLevel.Debug,
            "information" or "info" => LogEventLevel.Information,
            "warning" or "warn" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            var other => throw new InvalidOperationException($"Setting NARWHAL_LOG_LEVEL='{other}' must be one of debug, information, warning, error."),
        };

    /// <summary>
    /// .NET's usual per-category settings (<c>Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning</c>, or
    /// <c>Logging__LogLevel__…</c> in the environment) apply on top of NARWHAL_LOG_LEVEL: Serilog's logger factory
    /// replaces the one that would read them. "Default" is left to NARWHAL_LOG_LEVEL.
    /// </summary>
    private static List<(string Category, LogEventLevel Level)> CategoryLevels(IConfiguration config) =>
        config.GetSection("Logging:LogLevel").GetChildren()
            .Where(c => c.Key != "Default" && c.Value is not null)
            .Select(c => Enum.TryParse<LogLevel>(c.Value, ignoreCase: true, out var level)
                ? (c.Key, level switch
                {
                    LogLevel.Trace => LogEventLevel.Verbose,
                    LogLevel.Debug => LogEventLevel.Debug,
                    LogLevel.Information => LogEventLevel.Information,
                    LogLevel.Warning => LogEventLevel.Warning,
                    LogLevel.Error => LogEventLevel.Error,
                    LogLevel.Critical => LogEventLevel.Fatal,
                    // One above the highest level: nothing of that category is written.
                    _ => LogEventLevel.Fatal + 1,
                })
                : throw new InvalidOperationException($"Setting Logging:LogLevel:{c.Key}='{c.Value}' is not a log level."))
            .ToList();
}
