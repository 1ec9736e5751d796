using Narwhal.Core.Caches;

namespace Narwhal.Api.Dtos;

/// <summary>A step cache of a job as the Api shows it: its resolved key, size, and when it was saved and last restored.</summary>
public sealed record CacheDto(string Key, long SizeBytes, DateTime CreatedAt, DateTime LastUsedAt)
{
    public static CacheDto From(JobCache cache) => new(cache.Key, cache.SizeBytes, cache.CreatedAt.UtcDateTime, cache.LastUsedAt.UtcDateTime);
}
