using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Narwhal.Api.Errors;

/// <summary>
/// Binding failures (malformed JSON, wrong types, unknown properties, oversized bodies) become
/// problem+json with the parser's own words — where in the body and what was wrong — instead
/// of a bare 400 or a 500. Everything else stays an unhandled 500 (logged).
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems, ApiSettings settings) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;

        var (status, title, detail) = bad switch
        {
            { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (413, "Request body too large", $"The request body exceeds the limit of {settings.MaxRequestBytes / 1024} KiB (NARWHAL_API_MAX_BODY_KB)."),
            { InnerException: JsonException json } => (400, "Malformed JSON", json.Message),
            { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
                (415, "Unsupported media type", "Send the body as application/json."),
            _ => (bad.StatusCode, "Bad request", bad.Message),
        };
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
