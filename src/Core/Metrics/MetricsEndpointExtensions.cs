using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Narwhal.Core.Metrics;

public static class MetricsEndpointExtensions
{
    /// <summary>
    /// The Prometheus collector for this host's Narwhal Meters (those of its own
    /// <see cref="IMeterFactory"/> and unscoped ones) plus the process gauges.
    /// </summary>
    public static IServiceCollection AddNarwhalMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton(sp => new PrometheusCollector(
            new PrometheusCollectorOptions { MeterScope = sp.GetRequiredService<IMeterFactory>() },
            sp.GetRequiredService<ILogger<PrometheusCollector>>()));
        services.TryAddSingleton<ProcessMetrics>();
        return services;
    }

    /// <summary>
    /// <c>GET /metrics</c> in the Prometheus text format 0.0.4. Anonymous, like the health probes,
    /// and left out of the OpenAPI document: it is for the scraper inside the cluster network.
    /// Do not publish it (it names resource classes and queue sizes), or put it behind the
    /// network's own protection. Call before the host runs: the collector starts listening here,
    /// so measurements recorded from then on are counted.
    /// </summary>
    public static IEndpointConventionBuilder MapNarwhalMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        var collector = endpoints.ServiceProvider.GetRequiredService<PrometheusCollector>();
        endpoints.ServiceProvider.GetRequiredService<ProcessMetrics>();

        return endpoints.MapGet(pattern, async context =>
            {
                var text = collector.Scrape();
                context.Response.ContentType = PrometheusText.ContentType;
                context.Response.Headers.CacheControl = "no-store";
                await context.Response.WriteAsync(text, context.RequestAborted);
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
    }
}
