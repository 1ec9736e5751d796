using Narwhal.Dispatcher.Extensions;

namespace Narwhal.Dispatcher;

/// <summary>
/// The Dispatcher process: migrates the schema, applies retention to stored results, serves its
/// health. Heartbeats, lost-run detection, autoscaling and metrics arrive with issue 5/7.
/// </summary>
public static class DispatcherApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddNarwhalDispatcher();

        var app = builder.Build();
        app.MapDispatcherHealth();
        return app;
    }
}
