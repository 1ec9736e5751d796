using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;

namespace Narwhal.Core.Storage;

/// <summary>
/// What <see cref="FileSystemObjectStore"/> keeps about an object besides its bytes and size: JSON
/// in the extended attribute <see cref="AttributeName"/> of the object's file, for example
/// <c>{"v":1,"contentType":"text/plain","etag":"9f86…","lastModified":"2025-05-01T10:00:00.1234567+00:00"}</c>.
/// </summary>
/// <param name="ContentType">The media type the object was written with.</param>
/// <param name="ETag">Lowercase hex SHA-256 of the bytes, computed while they were written.</param>
/// <param name="LastModified">When the object was written.</param>
internal sealed record FileSystemObjectMetadata(
    [property: JsonPropertyName("contentType")] string ContentType,
    [property: JsonPropertyName("etag")] string ETag,
    [property: JsonPropertyName("lastModified")] DateTimeOffset LastModified)
{
    public const string AttributeName = "user.narwhal.meta";

    /// <summary>Longer content types are refused: the attribute must fit the filesystem's limit (one block on ext4).</summary>
    public const int MaxContentTypeLength = 1024;

    private const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public void WriteTo(SafeFileHandle file, string path) =>
        FileSystemNative.SetAttribute(file, AttributeName, JsonSerializer.SerializeToUtf8Bytes(this), path);

    /// <summary>
    /// The metadata of the open object file at <paramref name="path"/>. A file without it (copied
    /// without extended attributes, or not written by the store) is an error, not a guess.
    /// </summary>
    public static FileSystemObjectMetadata ReadFrom(SafeFileHandle file, string path)
    {
        var bytes = FileSystemNative.GetAttribute(file, AttributeName, path)
            ?? throw new InvalidDataException($"Object file '{path}' has no extended attribute {AttributeName} " +
                "(content type and ETag). Was it copied without extended attributes? (use cp -a, rsync -X or tar --xattrs)");
        FileSystemObjectMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<FileSystemObjectMetadata>(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Extended attribute {AttributeName} of object file '{path}' is not valid JSON.", e);
        }
        if (metadata is null || metadata.Version != CurrentVersion || metadata.ContentType is null || metadata.ETag is null)
            throw new InvalidDataException($"Extended attribute {AttributeName} of object file '{path}' is not version {CurrentVersion} metadata.");
        return metadata;
    }
}
