using Narwhal.Core.Metrics;
using Narwhal.Dispatcher.Autoscale;
using Narwhal.Dispatcher.Extensions;

namespace Narwhal.Dispatcher;

/// <summary>
/// The Dispatcher process: migrates the schema, applies retention to stored results, keeps the
/// runner registry from heartbeats, ends lost and overdue runs, answers GET /autoscale, serves its health.
/// </summary>
public static class DispatcherApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddNarwhalDispatcher();
        builder.Services.AddNarwhalMetrics();

        var app = builder.Build();
        app.MapDispatcherHealth();
        app.MapNarwhalMetrics();
        app.MapAutoscaleEndpoints();
        return app;
    }
}
