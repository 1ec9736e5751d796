using System.Globalization;
using System.Text.RegularExpressions;

namespace Narwhal.Runner.JobConfigs;

/// <summary>Durations, memory sizes and CPU counts as people write them; each failure names the key and shows the value.</summary>
internal static partial class Quantities
{
    private const long KiB = 1024;

    /// <summary>Docker refuses memory limits below 6 MiB when the container is created; say so now instead.</summary>
    public const long MinMemoryBytes = 6 * KiB * KiB;

    /// <summary>Docker's smallest CPU share.</summary>
    public const double MinCpus = 0.01;

    /// <summary>More than any machine has; keeps Docker's nano-CPU arithmetic far from overflow.</summary>
    public const double MaxCpus = 1024;

    // At most 6 digits per unit: any duration written this way fits a TimeSpan.
    [GeneratedRegex(@"^(?:(?<hours>\d{1,6})h)?(?:(?<minutes>\d{1,6})m)?(?:(?<seconds>\d{1,9})s)?\z")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\d{1,9}\z")]
    private static partial Regex SecondsPattern();

    [GeneratedRegex(@"^(?<number>\d{1,19})(?<unit>[kmg])?\z", RegexOptions.IgnoreCase)]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^(?:\d+(?:\.\d*)?|\.\d+)\z")]
    private static partial Regex CpusPattern();

    /// <summary><c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1h30m</c> (units in that order), or a whole number of seconds; more than zero.</summary>
    public static TimeSpan Duration(RawScalar value, string what)
    {
        long seconds;
        if (SecondsPattern().IsMatch(value.Value))
        {
            seconds = long.Parse(value.Value, CultureInfo.InvariantCulture);
        }
        else if (value.Value.Length > 0 && DurationPattern().Match(value.Value) is { Success: true } match)
        {
            long Part(string unit) => match.Groups[unit].Success ? long.Parse(match.Groups[unit].Value, CultureInfo.InvariantCulture) : 0;
            seconds = Part("hours") * 3600 + Part("minutes") * 60 + Part("seconds");
        }
        else
        {
            throw ConfigError.At(value.Start,
                $"{what} is not a duration: '{value.Value}'; write e.g. 90s, 30m, 2h, 1h30m, or a number of seconds");
        }
        if (seconds == 0)
            throw ConfigError.At(value.Start, $"{what} must be longer than zero, found '{value.Value}'");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Bytes, or a number with k, m or g (KiB, MiB, GiB; either case); at least <see cref="MinMemoryBytes"/>.</summary>
    public static long MemoryBytes(RawScalar value, string what)
    {
        var match = MemoryPattern().Match(value.Value);
        if (!match.Success)
            throw ConfigError.At(value.Start,
                $"{what} is not a memory size: '{value.Value}'; write e.g. 512m, 4g, 1024k, or a number of bytes");
        var multiplier = char.ToLowerInvariant(match.Groups["unit"].Value.FirstOrDefault()) switch
        {
            'k' => KiB,
            'm' => KiB * KiB,
            'g' => KiB * KiB * KiB,
            _ => 1,
        };
        if (!long.TryParse(match.Groups["number"].Value, CultureInfo.InvariantCulture, out var number) || number > long.MaxValue / multiplier)
            throw ConfigError.At(value.Start, $"{what} is too large: '{value.Value}'");
        var bytes = number * multiplier;
        if (bytes < MinMemoryBytes)
            throw ConfigError.At(value.Start, $"{what} must be at least 6m (Docker's minimum), found '{value.Value}'");
        return bytes;
    }

    /// <summary>A positive decimal number such as 2 or 0.5, from <see cref="MinCpus"/> to <see cref="MaxCpus"/>.</summary>
    public static double Cpus(RawScalar value, string what)
    {
        if (!CpusPattern().IsMatch(value.Value))
            throw ConfigError.At(value.Start, $"{what} is not a number of CPUs: '{value.Value}'; write e.g. 2 or 0.5");
        var cpus = double.Parse(value.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (cpus is < MinCpus or > MaxCpus)
            throw ConfigError.At(value.Start, $"{what} must be between {MinCpus} and {MaxCpus}, found '{value.Value}'");
        return cpus;
    }
}
