namespace Narwhal.Runner.JobConfigs;

/// <summary>The rules of <c>cache</c>: a few items, each a valid key template and paths inside the workspace.</summary>
internal static class CacheConfigMapper
{
    public const int MaxCaches = 4;
    public const int MaxPaths = 16;

    public static IReadOnlyList<CacheConfig> Caches(RawCacheList raw)
    {
        if (raw.Items.Count == 0)
            throw ConfigError.At(raw.Start, "'cache' is empty: leave it out, or give { key: ..., paths: [...] }");
        if (raw.Items.Count > MaxCaches)
            throw ConfigError.At(raw.Items[MaxCaches].Start, $"'cache' has more than {MaxCaches} items");
        var caches = new List<CacheConfig>();
        foreach (var item in raw.Items)
        {
            var cache = Cache(item);
            if (caches.Any(c => c.Key == cache.Key))
                throw ConfigError.At(item.Key!.Start, $"the cache key '{cache.Key}' is given twice in 'cache': each item saves under its own key");
            caches.Add(cache);
        }
        return caches.AsReadOnly();
    }

    private static CacheConfig Cache(RawCache raw)
    {
        if (raw.Key is null)
            throw ConfigError.At(raw.Start, "each item of 'cache' needs 'key', such as 'npm-{{ checksum \"package-lock.json\" }}'");
        if (raw.Paths is null)
            throw ConfigError.At(raw.Start, "each item of 'cache' needs 'paths': the files or folders of the workspace to save");
        var (parts, problem) = CacheKeyTemplate.Parse(raw.Key.Value);
        if (problem is not null) throw ConfigError.At(raw.Key.Start, problem);
        foreach (var checksum in parts.OfType<CacheKeyChecksum>())
            RepoPaths.Inside(raw.Key with { Value = checksum.Path }, "'checksum' in the cache key");
        if (raw.Paths.Items.Count == 0)
            throw ConfigError.At(raw.Paths.Start, "'paths' is empty: give the files or folders to save");
        if (raw.Paths.Items.Count > MaxPaths)
            throw ConfigError.At(raw.Paths.Items[MaxPaths].Start, $"'paths' has more than {MaxPaths} items");
        var paths = new List<string>();
        foreach (var item in raw.Paths.Items)
        {
            var path = Path(item);
            if (paths.FirstOrDefault(p => Overlap(p, path)) is { } other)
                throw ConfigError.At(item.Start, $"'paths' gives '{path}' and '{other}', one inside the other: give the outer one only");
            paths.Add(path);
        }
        return new CacheConfig { Key = raw.Key.Value, Paths = paths.AsReadOnly() };
    }

    /// <summary>A file or folder of the workspace, literally (no globs), without '..', not the workspace itself.</summary>
    private static string Path(RawScalar raw)
    {
        var normalized = RepoPaths.Normalize(RepoPaths.Glob(raw, "'paths'"));
        if (normalized.Length == 0)
            throw ConfigError.At(raw.Start, $"'paths' names the workspace itself ('{raw.Value}'): name the folders inside it to save");
        if (normalized.IndexOfAny(['*', '?', '[', '{']) >= 0)
            throw ConfigError.At(raw.Start, $"'paths' takes files and folders, not patterns: '{raw.Value}'");
        return normalized;
    }

    private static bool Overlap(string a, string b) =>
        a == b || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);
}
