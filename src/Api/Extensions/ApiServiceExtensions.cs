using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Narwhal.Api.Auth;
using Narwhal.Api.Errors;
using Narwhal.Api.Logs;
using Narwhal.Api.OpenApi;
using Narwhal.Api.Outbox;
using Narwhal.Api.Runs;
using Narwhal.Api.Startup;
using Narwhal.Core.Hosting;
using Narwhal.Core.Logging;
using Narwhal.Core.Messaging;

namespace Narwhal.Api.Extensions;

public static class ApiServiceExtensions
{
    public static WebApplicationBuilder AddNarwhalApi(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var settings = ApiSettings.From(config);
        builder.AddNarwhalLogging("api");
        builder.WebHost.UseUrls(settings.Listen);
        // Bodies over the limit are refused by Kestrel before any handler reads them (413).
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.MaxRequestBytes);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddNarwhalCore(config, "api");
        services.AddNarwhalSecrets(config);
        services.AddSingleton<Jobs.JobStore>();
        services.AddSingleton<Narwhal.Core.Caches.JobCacheStore>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<RunStepStore>();
        services.AddSingleton<StepRetryStore>();
        services.AddSingleton<GateDecisionStore>();
        services.AddSingleton<Narwhal.Core.Outbox.OutboxStore>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<Narwhal.Core.Logs.LogChunkStore>();
        services.AddSingleton<Narwhal.Core.Results.RunFileStore>();
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));

        services.AddNarwhalOpenApi();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            // Kestrel's own 413 (body over the limit) reaches us only as a status code.
            if (c.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge && c.ProblemDetails.Detail is null)
                c.ProblemDetails.Detail = $"The request body exceeds the limit of {settings.MaxRequestBytes / 1024} KiB (NARWHAL_API_MAX_BODY_KB).";
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Postgres, RabbitMQ or S3 briefly unreachable: 503 + Retry-After rather than 500.
        services.AddExceptionHandler<UnavailableDependencyExceptionHandler>();
        // Binding failures (malformed JSON, unknown properties) throw, so BadRequestExceptionHandler
        // can answer with the parser's words; by default only Development does.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        // No default scheme: only endpoints that require a scope authenticate (through their
        // policy), so anonymous health probes do not log a failed authentication each time.
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        services.AddAuthorization(o =>
        {
            foreach (var scope in Enum.GetValues<Scope>())
                o.AddPolicy(scope.Name(), p => p.AddAuthenticationSchemes(BearerTokenHandler.SchemeName).AddRequirements(new ScopeRequirement(scope)));
        });
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        // 403s name the missing scope in problem+json instead of an empty body.
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();

        services.AddMetrics();
        services.AddSingleton<Metrics.ApiMetrics>();
        services.AddSingleton<RunPublisher>();
        services.AddSingleton<RunTriggerService>();
        services.AddSingleton<RunAbortNotifier>();
        // GitHub webhooks: the delivery record (one transaction with the runs it queues) and the receiver behind POST /hooks/github.
        services.AddSingleton<Github.Webhooks.GithubDeliveryStore>();
        services.AddSingleton<Github.GithubWebhookReceiver>();
        services.AddSingleton<Github.WebhookIntake>();
        // The runner registry the Dispatcher keeps; the Api reads it and records drain requests.
        services.AddSingleton<Narwhal.Core.Fleet.RunnerStore>();
        services.AddSingleton<Runners.RunnerDrainNotifier>();
        services.AddHostedService<SchemaMigrationStartup>();
        services.AddHostedService<ApiStartup>();
        services.AddHostedService<OutboxRelay>();
        // Publishes runs the database releases from a concurrency hold, as soon as they commit.
        services.AddHostedService<OutboxListener>();
        services.AddSingleton<LogNotificationHub>();
        services.AddHostedService(sp => sp.GetRequiredService<LogNotificationHub>());
        services.AddSingleton<Endpoints.ResultsEndpoints.ConsoleSources>();
        // Long enough for the outbox relay to finish its batch.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        return builder;
    }

    public static WebApplication UseNarwhalApiPipeline(this WebApplication app)
    {
        // Outermost: times the whole answer, with the status the client got.
        app.UseMiddleware<Metrics.HttpMetricsMiddleware>();
        app.UseExceptionHandler();
        // Unmatched routes and bare status codes become problem+json too.
        app.UseStatusCodePages();
        // After routing (WebApplication routes first), so route values are there to check too.
        app.UseMiddleware<NulCharacterGuard>();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
