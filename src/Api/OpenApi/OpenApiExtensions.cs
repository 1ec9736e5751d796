using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Narwhal.Api.OpenApi;

/// <summary>
/// The OpenAPI document (/openapi/v1.json) and its human-readable reference page (/docs): the
/// bearer scheme, and on every operation the scope it needs (taken from the endpoint's own
/// authorization policy, so the document cannot drift from what is enforced) and the 503 of an unreachable
/// dependency, with Retry-After; descriptions, errors,
/// non-JSON answers and examples come from <see cref="OperationCatalog"/> (checked against the
/// running Api by OpenApiConformance_Specs).
/// </summary>
public static class OpenApiExtensions
{
    public const string BearerScheme = "bearer";
    public const string GithubSignatureScheme = "githubSignature";

    public static IServiceCollection AddNarwhalOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Narwhal API",
                    Version = "v1",
                    Description = "Jobs, runs, logs and results of a Narwhal CI installation. Every operation except /health/* and " +
                                  "POST /hooks/github needs `Authorization: Bearer <token>` with the scope named in its description " +
                                  "(admin ⊇ trigger ⊇ read); POST /hooks/github is called by GitHub and authenticated by the " +
                                  "X-Hub-Signature-256 HMAC of its body. " +
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
                document.Components.SecuritySchemes[GithubSignatureScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = Narwhal.Api.Github.Webhooks.WebhookSignature.Header,
                    Description = "`sha256=` and the hex HMAC-SHA256 of the raw request body, keyed with the webhook secret " +
                                  "(NARWHAL_GITHUB_WEBHOOK_SECRET; GitHub computes it from the secret set on the webhook).",
                };
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer<StepNeedSchemaTransformer>();
            // Descriptions, errors and non-JSON answers first; the scope transformer then appends the scope line.
            options.AddOperationTransformer<OperationDocTransformer>();
            options.AddOperationTransformer(async (operation, context, ct) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().ToList();
                if (policies.Count == 0)
                {
                    if (metadata.OfType<GithubSignatureSchemeMarker>().Any()) await SignedAsync(operation, context, ct);
                    return;
                }
                var scope = string.Join(", ", policies);
                operation.Description = $"{operation.Description}\n\nRequires scope: `{scope}`.".Trim();
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions["x-narwhal-scope"] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(scope)!);
                await ProblemResponses.AddAsync(operation, context, StatusCodes.Status401Unauthorized, "Missing, unknown, expired or revoked token.", ct);
                await ProblemResponses.AddAsync(operation, context, StatusCodes.Status403Forbidden, $"The token lacks the '{scope}' scope.", ct);
            });
            // Any handler that reaches Postgres, RabbitMQ or object storage can answer the general 503.
            options.AddOperationTransformer((operation, context, ct) => ProblemResponses.AddUnavailableAsync(operation, context, ct));
        });

    /// <summary>An operation authenticated by the X-Hub-Signature-256 HMAC of its body instead of a token.</summary>
    private static async Task SignedAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        operation.Description = $"{operation.Description}\n\nNo token: authenticated by `X-Hub-Signature-256` (HMAC-SHA256 of the body with NARWHAL_GITHUB_WEBHOOK_SECRET).".Trim();
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(GithubSignatureScheme, context.Document)] = [] });
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions["x-narwhal-auth"] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(Narwhal.Api.Github.Webhooks.WebhookSignature.Header)!);
        await ProblemResponses.AddAsync(operation, context, StatusCodes.Status401Unauthorized,
            "X-Hub-Signature-256 is missing, malformed or does not match the body (nothing is recorded).", ct);
    }

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
