namespace Narwhal.Core.Storage;

/// <summary>What a store knows about one object without reading it.</summary>
/// <param name="Key">The object's key.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="ETag">Opaque version tag, without quotes; null when the store has none.</param>
/// <param name="ContentType">Null in listings: S3 listings do not carry it (ask <see cref="IObjectStore.StatAsync"/>).</param>
/// <param name="LastModified">When the object was last written.</param>
public sealed record ObjectInfo(
    string Key,
    long Size,
    string? ETag,
    string? ContentType,
    DateTimeOffset LastModified);
