using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;

namespace Narwhal.Api.OpenApi;

/// <summary>
/// The OpenAPI document (/openapi/v1.json) and its human-readable reference page (/docs): the
/// bearer scheme, and on every operation the scope it needs (taken from the endpoint's own
/// authorization policy, so the document cannot drift from what is enforced).
/// </summary>
public static class OpenApiExtensions
{
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddNarwhalOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Narwhal API",
                    Version = "v1",
                    Description = "Jobs, runs, logs and results of a Narwhal CI installation. Every operation except /health/* " +
                                  "needs `Authorization: Bearer <token>` with the scope named in its description (admin ⊇ trigger ⊇ read). " +
                                  "Errors are application/problem+json; lists are { items, nextCursor } with keyset paging.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API token (nwl_…); POST /tokens creates one, NARWHAL_ADMIN_TOKEN is the first.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var policies = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>()
                    .Select(a => a.Policy).OfType<string>().Distinct().ToList();
                if (policies.Count == 0) return Task.CompletedTask;
                var scope = string.Join(", ", policies);
                operation.Description = $"{operation.Description}\n\nRequires scope: `{scope}`.".Trim();
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions["x-narwhal-scope"] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(scope)!);
                foreach (var (code, text) in new[] { ("401", "Missing, unknown, expired or revoked token (problem+json)."), ("403", $"The token lacks the '{scope}' scope (problem+json).") })
                {
                    operation.Responses ??= new OpenApiResponses();
                    operation.Responses.TryAdd(code, new OpenApiResponse { Description = text });
                }
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapNarwhalOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "Narwhal API v1");
            o.DocumentTitle = "Narwhal API reference";
        });
        return app;
    }
}
