using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Narwhal.Core.Storage;

/// <summary>
/// Writes one object of <see cref="FileSystemObjectStore"/>: into a temporary file beside it,
/// hashed while copied, metadata attribute set, fsynced, renamed over the object, directory fsynced.
/// The store has checked the key, the content and the root before it calls.
/// </summary>
internal sealed class FileSystemObjectWriter(FileSystemLayout layout, ILogger logger)
{
    /// <summary>Bytes copied per read and write: one pooled buffer, whatever the object's size.</summary>
    private const int CopyBufferSize = 1024 * 1024;

    /// <summary>
    /// Tries at creating the temporary file: a concurrent delete may prune a directory this upload
    /// has just created (it is empty until the temporary file exists).
    /// </summary>
    private const int DirectoryAttempts = 3;

    /// <summary>
    /// Copies <paramref name="content"/> into a temporary file beside <paramref name="path"/> through one pooled
    /// buffer, hashing as it goes; sets the metadata attribute, fsyncs, closes, renames over the
    /// object and fsyncs the directory. On any failure the temporary file is removed and the
    /// previous version, if any, stays.
    /// </summary>
    public async Task WriteAsync(string key, string path, Stream content, string contentType, CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(path)!;
        var (temporary, file, changedDirectories) = CreateTemporaryFile(directory);
        long length;
        try
        {
            await using (file)
                length = await WriteContentAsync(file, temporary, content, contentType, ct);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception failure)
        {
            DeleteTemporaryFile(temporary, failure);
            throw;
        }
        FileSystemNative.SyncDirectory(directory);
        foreach (var parent in changedDirectories) FileSystemNative.SyncDirectory(parent);
        logger.LogDebug("Stored {Key} ({Bytes} bytes)", key, length);
    }

    private (string Path, FileStream File, List<string> ChangedDirectories) CreateTemporaryFile(string directory)
    {
        for (var attempt = 1; ; attempt++)
        {
            var changed = layout.CreateDirectories(directory);
            var temporary = Path.Join(directory, FileSystemLayout.TemporaryPrefix + Guid.NewGuid().ToString("N"));
            try
            {
                var file = new FileStream(temporary, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    BufferSize = 0, // writes go out in CopyBufferSize pieces already
                    Options = FileOptions.Asynchronous,
                });
                return (temporary, file, changed);
            }
            catch (DirectoryNotFoundException) when (attempt < DirectoryAttempts)
            {
                // Pruned by a concurrent delete between creating the directory and the file: create it again.
            }
        }
    }

    private static async Task<long> WriteContentAsync(FileStream file, string path, Stream content, string contentType, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        long length = 0;
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var metadata = new FileSystemObjectMetadata(contentType, Convert.ToHexStringLower(hash.GetHashAndReset()), DateTimeOffset.UtcNow);
        metadata.WriteTo(file.SafeFileHandle, path);
        file.Flush(flushToDisk: true); // fsync: bytes and attribute are on disk before the rename publishes them
        return length;
    }

    /// <summary>Removes an upload's temporary file after <paramref name="failure"/>; a failure here is logged, never thrown over the cause.</summary>
    private void DeleteTemporaryFile(string path, Exception failure)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not remove the temporary file {Path} of a failed upload ({Cause}); it stays until removed by hand", path, failure.Message);
        }
    }
}
