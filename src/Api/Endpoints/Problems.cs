using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Validation;

namespace Narwhal.Api.Endpoints;

/// <summary>problem+json answers with a precise detail, shared by every endpoint group.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static ProblemHttpResult Unprocessable(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unprocessable request");

    /// <summary>410: the run exists, its logs and results were deleted by retention.</summary>
    public static ProblemHttpResult Expired(Guid runId, DateTimeOffset expiredAt) =>
        TypedResults.Problem($"The logs and results of run {runId} were deleted by retention on {expiredAt:yyyy-MM-dd'T'HH:mm:ss'Z'} (NARWHAL_RETENTION_DAYS / NARWHAL_RETENTION_KEEP_RUNS).",
            statusCode: StatusCodes.Status410Gone, title: "Expired");

    public static ValidationProblem Invalid(ValidationErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), detail: "The request has invalid fields; see errors.", title: "Invalid request");

    public static ValidationProblem Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return Invalid(errors);
    }
}
