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

    /// <summary>A written key, or a matrix instance's (<see cref="StepMatrices.InstanceKey"/>): what a lookup may find.</summary>
    public static bool MayExist(string key) => IsValid(key) || StepMatrices.IsInstanceKey(key);

    /// <summary>
    /// A key taken from a URL path segment. ASP.NET decodes every escape there but <c>%2F</c> (a '/' would change the
    /// route), and a matrix value may hold a '/' (<c>linux/amd64</c>); no key holds a '%', so decoding it is unambiguous.
    /// </summary>
    public static string FromRoute(string segment) => segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
}
