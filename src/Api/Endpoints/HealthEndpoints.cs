using Dapper;
using Narwhal.Core.Messaging;
using Npgsql;

namespace Narwhal.Api.Endpoints;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        // Liveness: the process serves requests. Readiness: it can also reach Postgres and the broker.
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "ok" })).WithSummary("Liveness").AllowAnonymous();
        app.MapGet("/health/ready", Ready).WithSummary("Readiness: Postgres and the broker reachable").AllowAnonymous();
        return app;
    }

    private static async Task<IResult> Ready(NpgsqlDataSource db, BrokerConnection broker, CancellationToken ct)
    {
        var problems = new List<string>();
        try
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: ct));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            problems.Add($"postgres: {ex.Message}");
        }
        if (!broker.IsOpen) problems.Add("rabbitmq: connection is not open");
        return problems.Count == 0
            ? TypedResults.Ok(new { status = "ready" })
            : TypedResults.Problem(string.Join("; ", problems), statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready");
    }
}
