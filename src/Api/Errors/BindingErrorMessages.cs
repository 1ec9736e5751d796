using System.Text.RegularExpressions;

namespace Narwhal.Api.Errors;

/// <summary>
/// Words ASP.NET's own binding failures (a query value or header that is not of its parameter's type) without the
/// .NET type it names ("Failed to bind parameter \"bool dryRun\" from \"maybe\"."). Recognised here only.
/// </summary>
public static partial class BindingErrorMessages
{
    public static (string? Field, string Message) Describe(string message)
    {
        if (FailedToBind().Match(message) is { Success: true } failed)
            return (failed.Groups["name"].Value, $"'{failed.Groups["value"].Value}' is not a valid value for '{failed.Groups["name"].Value}'.");
        if (RequiredMissing().Match(message) is { Success: true } missing)
            return (missing.Groups["name"].Value, $"'{missing.Groups["name"].Value}' is required.");
        return (null, message);
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""^Required parameter "(?<type>.+) (?<name>[^ "]+)" was not provided""", RegexOptions.Singleline)]
    private static partial Regex RequiredMissing();
}
