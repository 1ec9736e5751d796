using Npgsql;

namespace Narwhal.Api.Errors;

/// <summary>The one place that recognises specific Postgres errors by SQLSTATE.</summary>
public static class PostgresErrors
{
    public static bool IsUniqueViolation(Exception ex, string? constraint = null) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg
        && (constraint is null || pg.ConstraintName == constraint);
}
