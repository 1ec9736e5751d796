using System.Globalization;

namespace Narwhal.Runner.Intake;

/// <summary>What one run of a resource class costs from a Runner's quota: CPU units and memory in MB.</summary>
public readonly record struct ClassCost(int Cpu, int MemoryMb)
{
    public override string ToString() => $"{Cpu} CPU / {MemoryMb} MB";
}

/// <summary>
/// <c>NARWHAL_CLASS_COSTS</c>: <c>small=1:2048,large=4:8192</c> (CPU units : memory MB per run; the
/// memory part may be left out, <c>small=1</c> = 1:0). A class not listed costs <see cref="Default"/>,
/// one CPU unit and no memory, so a Runner never runs more unlisted-class runs than its CPU quota.
/// </summary>
public sealed class ClassCosts
{
    public static readonly ClassCost Default = new(1, 0);

    private readonly IReadOnlyDictionary<string, ClassCost> _costs;

    private ClassCosts(IReadOnlyDictionary<string, ClassCost> costs) => _costs = costs;

    public ClassCost Of(string resourceClass) => _costs.GetValueOrDefault(resourceClass, Default);

    public static ClassCosts Parse(string? raw, string setting)
    {
        var costs = new Dictionary<string, ClassCost>(StringComparer.Ordinal);
        foreach (var entry in (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, value) = entry.Split('=', 2, StringSplitOptions.TrimEntries) switch
            {
                [var n, var v] when n.Length > 0 => (n, v),
                _ => throw Invalid(setting, entry),
            };
            var parts = value.Split(':', StringSplitOptions.TrimEntries);
            if (parts.Length is < 1 or > 2 || !TryUnits(parts[0], out var cpu) || !TryUnits(parts.Length == 2 ? parts[1] : "0", out var memory))
                throw Invalid(setting, entry);
            if (!costs.TryAdd(name, new ClassCost(cpu, memory)))
                throw new InvalidOperationException($"Setting {setting} names class '{name}' twice.");
        }
        return new ClassCosts(costs);
    }

    private static bool TryUnits(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static InvalidOperationException Invalid(string setting, string entry) =>
        new($"Setting {setting}: '{entry}' must be class=cpu:memoryMb with whole numbers ≥ 0, e.g. small=1:2048.");
}
