using Microsoft.AspNetCore.Diagnostics;
using Narwhal.Core.Resilience;

namespace Narwhal.Api.Errors;

/// <summary>
/// A request that failed because Postgres, RabbitMQ or object storage is briefly unreachable (restart, failover,
/// network blip — as <see cref="TransientErrors"/> classifies it) answers 503 problem+json with <c>Retry-After</c>,
/// naming the dependency: the client may send it again; a 500 would say the request itself is broken.
/// </summary>
public sealed class UnavailableDependencyExceptionHandler(IProblemDetailsService problems, ILogger<UnavailableDependencyExceptionHandler> logger)
    : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        // The client hung up: there is no one to answer.
        if (context.RequestAborted.IsCancellationRequested || !TransientErrors.IsTransient(exception)) return false;

        var dependency = Dependency(exception);
        logger.LogWarning("{Method} {Path} answered 503: {Dependency} unavailable ({Error})",
            context.Request.Method, context.Request.Path, dependency, exception.GetBaseException().Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = $"The {dependency} is unavailable",
                Detail = $"The {dependency} could not be reached. Send the request again after Retry-After; a trigger sent again with the same Idempotency-Key creates at most one run.",
            },
        });
    }

    /// <summary>Which dependency failed, by the first exception in the chain that belongs to one.</summary>
    private static string Dependency(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var ns = current.GetType().Namespace ?? "";
            if (ns.StartsWith("Npgsql", StringComparison.Ordinal)) return "database";
            if (ns.StartsWith("RabbitMQ", StringComparison.Ordinal)) return "message broker";
            if (ns.StartsWith("Amazon", StringComparison.Ordinal)) return "object storage";
        }
        return "backing service";
    }
}
