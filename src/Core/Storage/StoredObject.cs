namespace Narwhal.Core.Storage;

/// <summary>An object's bytes (all or a range) as returned by <see cref="IObjectStore.GetAsync"/>.</summary>
/// <param name="Content">The bytes; the caller disposes it (which releases the connection).</param>
/// <param name="Length">How many bytes <paramref name="Content"/> holds.</param>
/// <param name="TotalLength">Size of the whole object, whatever range was asked for.</param>
/// <param name="ContentType">The media type the object was written with.</param>
/// <param name="ETag">Opaque version tag, without quotes; null when the store has none.</param>
/// <param name="LastModified">When the object was last written.</param>
public sealed record StoredObject(
    Stream Content,
    long Length,
    long TotalLength,
    string ContentType,
    string? ETag,
    DateTimeOffset LastModified) : IDisposable, IAsyncDisposable
{
    public void Dispose() => Content.Dispose();

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
