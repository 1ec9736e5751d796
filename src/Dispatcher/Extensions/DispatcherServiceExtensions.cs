using Dapper;
using Narwhal.Core.Configuration;
using Narwhal.Core.Hosting;
using Narwhal.Core.Logging;
using Narwhal.Dispatcher.Retention;
using Npgsql;

namespace Narwhal.Dispatcher.Extensions;

public static class DispatcherServiceExtensions
{
    public static WebApplicationBuilder AddNarwhalDispatcher(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.AddNarwhalLogging("dispatcher");
        builder.WebHost.UseUrls(config.GetString("NARWHAL_DISPATCHER_LISTEN", "http://127.0.0.1:8081"));
        builder.Services.AddNarwhalCore(config, "dispatcher");
        builder.Services.AddHostedService<SchemaMigrationStartup>();
        builder.Services.AddSingleton(RetentionSettings.From(config));
        builder.Services.AddSingleton<RetentionStore>();
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        builder.Services.AddDispatcherFleet(config);
        builder.Services.AddDispatcherGithub(config);
        return builder;
    }

    public static WebApplication MapDispatcherHealth(this WebApplication app)
    {
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "ok" }));
        app.MapGet("/health/ready", async (NpgsqlDataSource db, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: ct));
                return Results.Ok(new { status = "ready" });
            }
            catch (NpgsqlException ex)
            {
                return Results.Problem($"postgres: {ex.Message}", statusCode: 503, title: "Not ready");
            }
        });
        return app;
    }
}
