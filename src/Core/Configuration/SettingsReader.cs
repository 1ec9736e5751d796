using Microsoft.Extensions.Configuration;

namespace Narwhal.Core.Configuration;

/// <summary>
/// Reads Narwhal's flat <c>NARWHAL_*</c> settings (environment variables, or the same keys
/// in any other configuration source such as a test's in-memory collection) and fails at
/// start, naming the variable, when a value does not parse.
/// Every key the code reads is listed in README.md and .env.example.
/// </summary>
public static class SettingsReader
{
    public static string GetString(this IConfiguration config, string key, string defaultValue) =>
        string.IsNullOrWhiteSpace(config[key]) ? defaultValue : config[key]!.Trim();

    public static string? GetOptionalString(this IConfiguration config, string key) =>
        string.IsNullOrWhiteSpace(config[key]) ? null : config[key]!.Trim();

    public static string GetRequiredString(this IConfiguration config, string key) =>
        config.GetOptionalString(key) ?? throw new InvalidOperationException($"Setting {key} is required but not set.");

    public static int GetInt(this IConfiguration config, string key, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        var raw = config.GetOptionalString(key);
        if (raw is null) return defaultValue;
        if (!int.TryParse(raw, out var value) || value < min || value > max)
            throw new InvalidOperationException($"Setting {key}='{raw}' must be a whole number between {min} and {max}.");
        return value;
    }

    public static double GetDouble(this IConfiguration config, string key, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        var raw = config.GetOptionalString(key);
        if (raw is null) return defaultValue;
        if (!double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new InvalidOperationException($"Setting {key}='{raw}' must be a number between {min} and {max}.");
        return value;
    }

    public static bool GetBool(this IConfiguration config, string key, bool defaultValue)
    {
        var raw = config.GetOptionalString(key);
        if (raw is null) return defaultValue;
        return raw.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new InvalidOperationException($"Setting {key}='{raw}' must be true or false."),
        };
    }

    public static TimeSpan GetSeconds(this IConfiguration config, string key, double defaultSeconds, double min = 0) =>
        TimeSpan.FromSeconds(config.GetDouble(key, defaultSeconds, min));

    /// <summary>A comma-separated list, trimmed, empty entries dropped.</summary>
    public static IReadOnlyList<string> GetList(this IConfiguration config, string key, params string[] defaultValue)
    {
        var raw = config.GetOptionalString(key);
        if (raw is null) return defaultValue;
        return raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
