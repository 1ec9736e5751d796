using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Narwhal.Api.OpenApi;

/// <summary>
/// Applies <see cref="OperationCatalog"/> to each operation: description, parameter and header
/// descriptions, non-JSON answers, handler errors as problem+json, and the request example.
/// Every operation with a JSON body also documents what binding can refuse (400, 413, 415).
/// </summary>
public sealed partial class OperationDocTransformer : IOpenApiOperationTransformer
{
    private const string Json = "application/json";

    /// <summary>What model binding and Kestrel answer for any JSON body, before the handler runs.</summary>
    private static readonly ErrorDoc[] BodyErrors =
    [
        new(400, "Malformed JSON, a wrong type (no numbers as strings), an unknown or duplicate key or U+0000 in a string (detail and errors name the JSON path), or invalid fields (errors lists them)."),
        new(413, "The body is larger than NARWHAL_API_MAX_BODY_KB."),
        new(415, "The body is not sent as application/json."),
    ];

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        DescribeParameters(operation);
        if (!OperationCatalog.TryFind(KeyOf(context.Description), out var doc)) return;

        operation.Description = doc.Description;
        foreach (var header in doc.Headers)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name, In = ParameterLocation.Header, Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        operation.Responses ??= new OpenApiResponses();
        foreach (var response in doc.Responses)
            operation.Responses[response.Status.ToString(CultureInfo.InvariantCulture)] = await ResponseAsync(response, context, ct);

        if (doc.RawJsonBody is { } raw)
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = raw,
                Content = new Dictionary<string, OpenApiMediaType> { [Json] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object } } },
            };
        var jsonBody = operation.RequestBody?.Content?.TryGetValue(Json, out var body) == true ? body : null;
        // An operation that reads its body itself documents its own 400/413/415, instead of binding's.
        var bodyErrors = BodyErrors.Where(b => doc.Errors.All(e => e.Status != b.Status));
        foreach (var error in jsonBody is null ? doc.Errors : [.. bodyErrors, .. doc.Errors])
            await ProblemResponses.AddAsync(operation, context, error.Status, error.When, ct);
        if (jsonBody is not null && doc.Example is not null) jsonBody.Example = doc.Example.DeepClone();
    }

    /// <summary>"METHOD /path" as the document spells the path: no constraints, no catch-all stars, no trailing slash.</summary>
    public static string KeyOf(ApiDescription description)
    {
        var path = "/" + (description.RelativePath ?? "").Split('?')[0].Trim('/');
        return $"{description.HttpMethod?.ToUpperInvariant()} {RouteParameter().Replace(path, "{${name}}")}";
    }

    [GeneratedRegex(@"\{\**(?<name>[^}:=?]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    private static void DescribeParameters(OpenApiOperation operation)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            if (string.IsNullOrEmpty(parameter.Description) && parameter.Name is { } name
                && OperationCatalog.Parameters.TryGetValue(name, out var description))
                parameter.Description = description;
    }

    private static async Task<OpenApiResponse> ResponseAsync(ResponseDoc doc, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        IOpenApiSchema? schema = doc.Body switch
        {
            BodyKind.Text => new OpenApiSchema { Type = JsonSchemaType.String },
            BodyKind.Binary => new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
            BodyKind.Json => await context.GetOrCreateSchemaAsync(doc.JsonType ?? typeof(object), null, ct),
            _ => null,
        };
        return new OpenApiResponse
        {
            Description = doc.Description,
            Content = schema is null ? null : doc.MediaTypes.ToDictionary(m => m, _ => new OpenApiMediaType { Schema = schema }),
        };
    }
}
