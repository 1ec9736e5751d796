using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Validation;

namespace Narwhal.Api.Endpoints;

public static class TokensEndpoints
{
    public static IEndpointRouteBuilder MapTokensEndpoints(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/tokens").WithTags("Tokens").RequireAuthorization(Scope.Admin.Name());
        tokens.MapPost("/", CreateToken).WithSummary("Create a token (the secret is returned once)");
        tokens.MapGet("/", ListTokens).WithSummary("List active tokens (never their secrets)");
        tokens.MapDelete("/{id:guid}", RevokeToken).WithSummary("Revoke a token");
        return app;
    }

    /// <summary>Creates a token; the secret is in this answer and nowhere else, ever.</summary>
    public static async Task<Results<Created<CreatedTokenDto>, ValidationProblem, ProblemHttpResult>> CreateToken(
        TokenRequest request, TokenStore store, TimeProvider clock, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (request.Name is null || !Names.TokenName().IsMatch(request.Name))
            errors.Add("name", "Required: 1-100 letters, digits, spaces, '.', '_' or '-'.");
        var scopes = new List<Scope>();
        if (request.Scopes is null || request.Scopes.Count == 0) errors.Add("scopes", "Required: one or more of read, trigger, admin.");
        else
            foreach (var name in request.Scopes)
                if (Scopes.TryParse(name, out var scope)) scopes.Add(scope);
                else errors.Add("scopes", $"Unknown scope '{name}'; one of read, trigger, admin.");
        if (request.ExpiresAt is { } expires && expires.ToUniversalTime() <= clock.GetUtcNow().UtcDateTime)
            errors.Add("expiresAt", "Must be in the future.");
        if (errors.Any) return Problems.Invalid(errors);

        var created = await store.CreateAsync(request.Name!, scopes,
            request.ExpiresAt is { } e ? new DateTimeOffset(e.ToUniversalTime()) : null, ct);
        if (created is null) return Problems.Conflict($"An active token named '{request.Name}' exists; revoke it or choose another name.");
        var (token, secret) = created.Value;
        return TypedResults.Created($"/tokens/{token.Id}", new CreatedTokenDto(TokenDto.From(token), secret));
    }

    public static async Task<Ok<IReadOnlyList<TokenDto>>> ListTokens(TokenStore store, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<TokenDto>>((await store.ListAsync(ct)).Select(TokenDto.From).ToList());

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeToken(Guid id, TokenStore store, CancellationToken ct) =>
        await store.RevokeAsync(id, ct) ? TypedResults.NoContent() : Problems.NotFound($"No active token with id {id}.");
}
