using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace Narwhal.Api.OpenApi;

/// <summary>Adds problem+json responses to an operation, all pointing at one ProblemDetails schema component.</summary>
public static class ProblemResponses
{
    public const string MediaType = "application/problem+json";
    private const string SchemaId = nameof(ProblemDetails);

    /// <summary>
    /// Documents <paramref name="status"/> as a problem+json answer. A response the endpoint metadata
    /// already gives (a ValidationProblem's 400) keeps its schema and gains the description.
    /// </summary>
    public static async Task AddAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description, CancellationToken ct)
    {
        operation.Responses ??= new OpenApiResponses();
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.TryGetValue(code, out var existing) && existing is OpenApiResponse { Content.Count: > 0 } known
            && known.Content.ContainsKey(MediaType))
        {
            known.Description = Merge(known.Description, description);
            return;
        }
        var response = existing as OpenApiResponse ?? new OpenApiResponse();
        response.Description = existing is null ? description : Merge(existing.Description, description);
        response.Content = new Dictionary<string, OpenApiMediaType> { [MediaType] = new() { Schema = await SchemaAsync(context, ct) } };
        operation.Responses[code] = response;
    }

    /// <summary>
    /// The 503 any operation can answer when Postgres, RabbitMQ or object storage is briefly unreachable
    /// (<see cref="Errors.UnavailableDependencyExceptionHandler"/> handles that for every endpoint), with its Retry-After.
    /// </summary>
    public static async Task AddUnavailableAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        await AddAsync(operation, context, StatusCodes.Status503ServiceUnavailable,
            "A dependency (Postgres, RabbitMQ or object storage) is briefly unreachable; detail names which. Send the request again after Retry-After.", ct);
        if (operation.Responses![StatusCodes.Status503ServiceUnavailable.ToString(System.Globalization.CultureInfo.InvariantCulture)] is not OpenApiResponse response)
            return;
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[HeaderNames.RetryAfter] = new OpenApiHeader
        {
            Description = "Seconds to wait before sending the request again.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
        };
    }

    private static async Task<IOpenApiSchema> SchemaAsync(OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(SchemaId) != true)
            document.AddComponent(SchemaId, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct));
        return new OpenApiSchemaReference(SchemaId, document);
    }

    /// <summary>The generated descriptions ("Bad Request") say nothing the status code does not; ours replace them.</summary>
    private static string Merge(string? generated, string ours) =>
        string.IsNullOrEmpty(generated) || IsReasonPhrase(generated) || generated == ours ? ours
        : generated.Contains(ours, StringComparison.Ordinal) ? generated
        : $"{generated} {ours}";

    private static bool IsReasonPhrase(string text) =>
        Enumerable.Range(100, 500).Any(code => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code) == text);
}
