using Narwhal.Api.Validation;

namespace Narwhal.Api.Errors;

/// <summary>
/// Refuses U+0000 in query parameters and route values before any endpoint runs: Postgres cannot take it as text
/// (22P05), so a <c>?job=</c> filter holding one would otherwise fail as a 500. One check for every endpoint, present
/// and future; JSON bodies get the same check from <see cref="NulFreeStringConverter"/>.
/// </summary>
public sealed class NulCharacterGuard(RequestDelegate next)
{
    private const string Message = "Contains U+0000 (NUL), which cannot be stored or passed on.";

    public async Task InvokeAsync(HttpContext context)
    {
        var errors = new ValidationErrors();
        foreach (var (key, values) in context.Request.Query)
        {
            if (key.Contains('\0')) errors.Add("query", $"A query parameter name {char.ToLowerInvariant(Message[0])}{Message[1..]}");
            else if (values.Any(v => v?.Contains('\0') == true)) errors.Add(key, Message);
        }
        foreach (var (key, value) in context.Request.RouteValues)
            if (value is string text && text.Contains('\0')) errors.Add(key, Message);

        if (!errors.Any)
        {
            await next(context);
            return;
        }
        await TypedResults.ValidationProblem(errors.ToDictionary(), detail: "The request has invalid fields; see errors.", title: "Invalid request")
            .ExecuteAsync(context);
    }
}
