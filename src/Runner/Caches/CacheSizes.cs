using System.Globalization;

namespace Narwhal.Runner.Caches;

/// <summary>Sizes as the cache notices show them.</summary>
internal static class CacheSizes
{
    public static string Format(long bytes) => bytes >= 1_048_576
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1_048_576.0:0.0} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB");
}
