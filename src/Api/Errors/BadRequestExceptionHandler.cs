using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Narwhal.Api.Errors;

/// <summary>
/// Binding failures (malformed JSON, wrong types, unknown or duplicate keys, U+0000, oversized bodies) become
/// problem+json naming the field by its JSON path (<see cref="JsonErrorMessages"/>) instead of a bare 400 or a 500.
/// Everything else goes on to the next handler.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems, ApiSettings settings) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;

        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails();
        switch (bad)
        {
            case { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                (details.Status, details.Title, details.Detail) =
                    (413, "Request body too large", $"The request body exceeds the limit of {settings.MaxRequestBytes / 1024} KiB (NARWHAL_API_MAX_BODY_KB).");
                break;
            case { InnerException: JsonException json }:
                var (field, message) = JsonErrorMessages.Describe(json);
                (details.Status, details.Title, details.Detail) = (400, "Malformed JSON", message);
                // The same shape as a validation problem, so clients find the field where they find every other.
                details.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [message] };
                break;
            case { StatusCode: StatusCodes.Status415UnsupportedMediaType }:
                (details.Status, details.Title, details.Detail) = (415, "Unsupported media type", "Send the body as application/json.");
                break;
            default:
                var (param, text) = BindingErrorMessages.Describe(bad.Message);
                (details.Status, details.Title, details.Detail) = (bad.StatusCode, "Bad request", text);
                if (param is not null) details.Extensions["errors"] = new Dictionary<string, string[]> { [param] = [text] };
                break;
        }
        context.Response.StatusCode = details.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, Exception = exception, ProblemDetails = details });
    }
}
