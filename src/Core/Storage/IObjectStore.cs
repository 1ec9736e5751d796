namespace Narwhal.Core.Storage;

/// <summary>
/// Where run logs and results live: a flat namespace of keys ("runs/42/log/000001") holding
/// immutable byte blobs: S3 (<see cref="S3ObjectStore"/>) or a shared directory
/// (<see cref="FileSystemObjectStore"/>). Every implementation must pass the same contract suite
/// (the <c>ObjectStore*_Specs</c> fixtures in tests/Narwhal.Core.Tests/Storage, run against each store).
/// </summary>
/// <remarks>
/// Keys are checked by <see cref="ObjectKeys"/>: non-empty, no leading '/', no empty, "." or
/// ".." segments. Transient failures are retried inside the store; what escapes is final.
/// </remarks>
public interface IObjectStore
{
    /// <summary>Creates the bucket (or its equivalent) when missing; idempotent.</summary>
    Task EnsureBucketAsync(CancellationToken ct);

    /// <summary>
    /// Stores <paramref name="content"/> (seekable or not, read from its current position to its end)
    /// under <paramref name="key"/>, replacing what was there. Large content goes up in parts without
    /// being held in memory as a whole. The caller keeps ownership of the stream.
    /// </summary>
    Task PutAsync(string key, Stream content, string contentType, CancellationToken ct);

    /// <summary>Stores the file at <paramref name="path"/> under <paramref name="key"/>.</summary>
    Task PutFileAsync(string key, string path, string contentType, CancellationToken ct);

    /// <summary>
    /// The object's bytes (all, or <paramref name="range"/>), or null when the key is missing.
    /// A range starting at or past the end yields an empty content; one ending past the end is cut short.
    /// The caller disposes <see cref="StoredObject.Content"/>.
    /// </summary>
    Task<StoredObject?> GetAsync(string key, ByteRange? range, CancellationToken ct);

    /// <summary>Size, ETag, content type and modification time, or null when the key is missing.</summary>
    Task<ObjectInfo?> StatAsync(string key, CancellationToken ct);

    /// <summary>
    /// Every object whose key starts with <paramref name="prefix"/> ("" = all), in key order,
    /// fetched page by page as the caller enumerates. <see cref="ObjectInfo.ContentType"/> is null here.
    /// </summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken ct);

    /// <summary>Removes the object; a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>Removes every object whose key starts with <paramref name="prefix"/> (which must not be empty).</summary>
    Task DeletePrefixAsync(string prefix, CancellationToken ct);
}
