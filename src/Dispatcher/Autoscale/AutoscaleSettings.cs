using System.Collections.Frozen;
using Narwhal.Core.Configuration;

namespace Narwhal.Dispatcher.Autoscale;

/// <summary>The bounds of one resource class: at least <see cref="Min"/>, at most <see cref="Max"/> Runners of <see cref="SlotsPerRunner"/> slots.</summary>
public sealed record ClassScaling(int Min, int Max, int SlotsPerRunner);

/// <summary>
/// Per resource class (NARWHAL_RESOURCE_CLASSES): NARWHAL_AUTOSCALE ("small=0:10,large=1:4",
/// min:max, default 0:10) and NARWHAL_AUTOSCALE_SLOTS ("small=2", default 2).
/// </summary>
public sealed record AutoscaleSettings(IReadOnlyList<string> Classes, IReadOnlyDictionary<string, ClassScaling> ByClass)
{
    public const int DefaultMin = 0;
    public const int DefaultMax = 10;
    public const int DefaultSlots = 2;

    public static AutoscaleSettings From(IConfiguration config) => Parse(
        BrokerSettings.From(config).ResourceClasses,
        config.GetOptionalString("NARWHAL_AUTOSCALE"),
        config.GetOptionalString("NARWHAL_AUTOSCALE_SLOTS"));

    public static AutoscaleSettings Parse(IReadOnlyList<string> classes, string? bounds, string? slots)
    {
        var boundsByClass = Entries("NARWHAL_AUTOSCALE", bounds, classes);
        var slotsByClass = Entries("NARWHAL_AUTOSCALE_SLOTS", slots, classes);
        var byClass = new Dictionary<string, ClassScaling>(StringComparer.Ordinal);
        foreach (var resourceClass in classes)
        {
            var (min, max) = boundsByClass.TryGetValue(resourceClass, out var b) ? MinMax(resourceClass, b) : (DefaultMin, DefaultMax);
            var perRunner = slotsByClass.TryGetValue(resourceClass, out var s) ? Slots(resourceClass, s) : DefaultSlots;
            byClass[resourceClass] = new ClassScaling(min, max, perRunner);
        }
        return new AutoscaleSettings(classes, byClass.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>"a=x,b=y" into a=x, b=y; every class must be a configured one, named once.</summary>
    private static Dictionary<string, string> Entries(string key, string? raw, IReadOnlyList<string> classes)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (raw is null) return entries;
        foreach (var entry in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw Invalid(key, raw, $"'{entry}' is not class=value");
            if (!classes.Contains(parts[0]))
                throw Invalid(key, raw, $"'{parts[0]}' is not in NARWHAL_RESOURCE_CLASSES ({string.Join(",", classes)})");
            if (!entries.TryAdd(parts[0], parts[1]))
                throw Invalid(key, raw, $"'{parts[0]}' is named twice");
        }
        return entries;
    }

    private static (int Min, int Max) MinMax(string resourceClass, string value)
    {
        var parts = value.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !int.TryParse(parts[0], out var min) || !int.TryParse(parts[1], out var max) || min < 0 || max < min)
            throw Invalid("NARWHAL_AUTOSCALE", $"{resourceClass}={value}", "expected min:max with 0 ≤ min ≤ max, e.g. small=0:10");
        return (min, max);
    }

    private static int Slots(string resourceClass, string value) =>
        int.TryParse(value, out var slots) && slots is >= 1 and <= 256
            ? slots
            : throw Invalid("NARWHAL_AUTOSCALE_SLOTS", $"{resourceClass}={value}", "slots per Runner must be a whole number from 1 to 256, e.g. small=2");

    private static InvalidOperationException Invalid(string key, string raw, string why) =>
        new($"Setting {key}='{raw}' is invalid: {why}.");
}
