using Narwhal.Api.Endpoints;
using Narwhal.Api.Extensions;
using Narwhal.Api.OpenApi;
using Narwhal.Api.Ui;
using Narwhal.Core.Metrics;

namespace Narwhal.Api;

/// <summary>The Api process, as an outline. Tests build the same application with their own settings.</summary>
public static class ApiApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddNarwhalApi();
        builder.AddNarwhalUi();
        builder.Services.AddNarwhalMetrics();

        var app = builder.Build();
        app.UseNarwhalRequestLogging();
        app.UseNarwhalUiHeaders();
        app.UseNarwhalApiPipeline();
        app.MapNarwhalOpenApi();
        app.MapHealthEndpoints();
        app.MapNarwhalMetrics();
        app.MapTokensEndpoints();
        app.MapJobsEndpoints();
        app.MapSecretsEndpoints();
        app.MapCachesEndpoints();
        app.MapRunsEndpoints();
        app.MapResultsEndpoints();
        app.MapRunFilesEndpoints();
        app.MapStepsEndpoints();
        app.MapGatesEndpoints();
        app.MapRunnersEndpoints();
        app.MapGithubHooksEndpoints();
        app.MapNarwhalUi();
        return app;
    }
}
