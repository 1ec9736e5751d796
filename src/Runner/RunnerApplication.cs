using Narwhal.Core.Metrics;
using Narwhal.Runner.Extensions;

namespace Narwhal.Runner;

/// <summary>The Runner process, as an outline. Tests build the same application with their own settings.</summary>
public static class RunnerApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddNarwhalRunner();
        builder.Services.AddNarwhalMetrics();

        var app = builder.Build();
        app.MapRunnerHealth();
        app.MapNarwhalMetrics();
        return app;
    }
}
