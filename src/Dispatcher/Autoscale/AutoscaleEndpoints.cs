using Microsoft.AspNetCore.Http.HttpResults;

namespace Narwhal.Dispatcher.Autoscale;

public static class AutoscaleEndpoints
{
    /// <summary>GET /autoscale: per class, the queue depth, running runs, desired Runners and the idle Runners that may be drained.</summary>
    public static IEndpointRouteBuilder MapAutoscaleEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/autoscale", GetAutoscale);
        return app;
    }

    public static async Task<Results<Ok<AutoscaleReport>, ProblemHttpResult>> GetAutoscale(
        FleetObserver observer, ILogger<FleetObserver> logger, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await observer.ObserveAsync(ct));
        }
        catch (Exception ex) when (ex is HttpRequestException or Npgsql.NpgsqlException or TimeoutException
                                       || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            logger.LogWarning(ex, "GET /autoscale: could not read the fleet");
            return TypedResults.Problem($"Could not read queue depths or the fleet: {ex.Message}", statusCode: 503, title: "Fleet unavailable");
        }
    }
}
