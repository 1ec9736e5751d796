namespace Narwhal.Core.Caches;

/// <summary>One saved cache of a job: its resolved key, the tar holding it in the object store, and when it was saved and last restored.</summary>
public sealed record JobCache(string Key, string ObjectKey, long SizeBytes, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt);
