using System.Globalization;
using System.Text.RegularExpressions;

namespace Narwhal.Runner.JobConfigs;

/// <summary>Switches and counts; each failure names the key and shows the value.</summary>
internal static partial class ConfigScalars
{
    [GeneratedRegex(@"^\d{1,9}\z")]
    private static partial Regex WholeNumberPattern();

    /// <summary>YAML's booleans (<c>true</c>, <c>false</c>, capitalised or upper-case); not yes/no/on/off, which YAML 1.2 made strings.</summary>
    public static bool Boolean(RawScalar value, string what) => value.Value switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => throw ConfigError.At(value.Start, $"{what} must be true or false, found '{value.Value}'"),
    };

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static int WholeNumber(RawScalar value, string what, int min, int max)
    {
        var number = WholeNumberPattern().IsMatch(value.Value) ? int.Parse(value.Value, CultureInfo.InvariantCulture) : -1;
        if (number < min || number > max)
            throw ConfigError.At(value.Start, $"{what} must be a whole number from {min} to {max}, found '{value.Value}'");
        return number;
    }
}
