using System.Text.RegularExpressions;

namespace Narwhal.Core.Pipelines;

/// <summary>
/// The rules of an approval gate's keys, shared by the job config parser (problems at file:line:column) and the
/// Api's check of freestyle steps (problems naming the field): each returns the problem, or null.
/// </summary>
public static partial class BlockRules
{
    /// <summary>Written in <c>approvers</c>: any token with this scope (scopes nest: admin includes trigger and read).</summary>
    public const string ScopePrefix = "scope:";

    public static readonly IReadOnlyList<string> DefaultApprovers = [ScopePrefix + "admin"];

    public const int MaxPromptLength = 500;
    public const int MaxFields = 20;
    public const int MaxOptions = 50;
    public const int MaxValueLength = 1000;
    public const int MaxApprovers = 50;

    /// <summary>30 days: longer than any approval should take, short enough to keep the sweep meaningful.</summary>
    public const int MaxTimeoutSeconds = 30 * 24 * 3600;

    private static readonly string[] Scopes = ["read", "trigger", "admin"];

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial Regex VariablePattern();

    // The Api's rule for token names (Names.TokenName).
    [GeneratedRegex(@"^[A-Za-z0-9 ._-]{1,100}\z")]
    private static partial Regex TokenNamePattern();

    public static string? PromptProblem(string prompt) =>
        string.IsNullOrWhiteSpace(prompt) ? "the prompt is empty: say what is being approved, e.g. \"Deploy to production?\""
        : prompt.Length > MaxPromptLength ? $"the prompt is longer than {MaxPromptLength} characters"
        : null;

    public static string? FieldNameProblem(string name) =>
        !VariablePattern().IsMatch(name) ? $"'{name}' is not a valid field name: it becomes an environment variable (letters, digits and _, not starting with a digit)"
        : name == "CI" || name.StartsWith("NARWHAL_", StringComparison.Ordinal) ? $"'{name}' is reserved: Narwhal sets CI and NARWHAL_* itself"
        : null;

    /// <summary>A field's default must be one of its options, when it has both.</summary>
    public static string? DefaultProblem(BlockField field) =>
        field.Default is { } value && field.Options is { Count: > 0 } options && !options.Contains(value, StringComparer.Ordinal)
            ? $"the default '{value}' of field '{field.Name}' is not one of its options ({string.Join(", ", options)})"
            : null;

    public static string? ApproverProblem(string approver)
    {
        if (approver.StartsWith(ScopePrefix, StringComparison.Ordinal))
            return Scopes.Contains(approver[ScopePrefix.Length..], StringComparer.Ordinal)
                ? null
                : $"'{approver}' is not a scope: write scope:read, scope:trigger or scope:admin";
        return TokenNamePattern().IsMatch(approver)
            ? null
            : $"'{approver}' is neither a token name (1-100 letters, digits, spaces, '.', '_' or '-') nor a scope (scope:admin)";
    }
}
