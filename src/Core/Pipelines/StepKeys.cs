using System.Text.RegularExpressions;

namespace Narwhal.Core.Pipelines;

/// <summary>Step keys appear in URLs (<c>/runs/{id}/steps/{key}</c>), log prefixes and container labels.</summary>
public static partial class StepKeys
{
    public const int MaxLength = 63;

    public const string Rule = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\z")]
    private static partial Regex Pattern();

    public static bool IsValid(string key) => Pattern().IsMatch(key);
}
