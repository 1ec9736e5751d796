using System.Text.Json;
using System.Text.RegularExpressions;
using Narwhal.Core.Persistence;

namespace Narwhal.Api.Errors;

/// <summary>
/// Words a <see cref="JsonException"/> from reading a request body for the client: the field (its JSON path) and what
/// was wrong, never a .NET type name. System.Text.Json says what went wrong only in its message, so the messages are
/// recognised here and nowhere else.
/// </summary>
public static partial class JsonErrorMessages
{
    /// <summary>The field (JSON path without <c>$.</c>; <c>body</c> for the whole body) and the message naming it.</summary>
    public static (string Field, string Message) Describe(JsonException ex)
    {
        var path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
        var field = path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var message = ex.Message;

        if (ex is NulCharacterException)
            return (field, $"The value at {path} contains U+0000 (NUL), which cannot be stored or passed on.");
        if (message.StartsWith("Duplicate propert", StringComparison.Ordinal))
            return (field, $"Duplicate key '{LastSegment(path)}' at {path}: each key may appear once.");
        if (UnmappedMember().Match(message) is { Success: true } unknown)
            return (field, $"Unknown field '{unknown.Groups["name"].Value}' at {path}.");
        if (NotConvertible().Match(message) is { Success: true } convert)
            return (field, $"Expected {Expected(convert.Groups["type"].Value)} at {path}.");
        // The reader's own words (malformed JSON: where and what) name no .NET type.
        return (field, message);
    }

    private static string LastSegment(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut < 0 ? path : path[(cut + 1)..].TrimEnd(']').Trim('\'');
    }

    /// <summary>What the JSON value should have been, from the .NET type the serializer names.</summary>
    private static string Expected(string typeName)
    {
        var inner = NullableOf().Match(typeName) is { Success: true } nullable ? nullable.Groups["inner"].Value : typeName;
        return inner switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" or "System.UInt64" => "an integer (a JSON number)",
            "System.Double" or "System.Decimal" or "System.Single" => "a JSON number",
            "System.Boolean" => "true or false",
            "System.String" => "a string",
            "System.Guid" => "a UUID string",
            "System.DateTime" or "System.DateTimeOffset" => "an ISO 8601 date-time string",
            _ when inner.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal)
                   || inner.EndsWith("[]", StringComparison.Ordinal) => "an array",
            _ when inner.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal) => "an object",
            _ when FindEnum(inner) is { } values => $"one of {values}",
            _ => "an object",
        };
    }

    /// <summary>An enum's wire names (snake_case, as <see cref="Json"/> writes them), when the type is one.</summary>
    private static string? FindEnum(string fullName)
    {
        var type = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name?.StartsWith("Narwhal", StringComparison.Ordinal) == true)
            .Select(a => a.GetType(fullName)).FirstOrDefault(t => t is not null);
        if (type is not { IsEnum: true }) return null;
        return string.Join(", ", Enum.GetNames(type).Select(n => $"'{JsonNamingPolicy.SnakeCaseLower.ConvertName(n)}'"));
    }

    [GeneratedRegex(@"^The JSON property '(?<name>.*)' could not be mapped to any \.NET member", RegexOptions.Singleline)]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"^The JSON value could not be converted to (?<type>\S+?)\.( Path:|$)", RegexOptions.Singleline)]
    private static partial Regex NotConvertible();

    [GeneratedRegex(@"^System\.Nullable`1\[(?<inner>.+)\]$")]
    private static partial Regex NullableOf();
}
