using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Narwhal.Core.Storage;

/// <summary>
/// <see cref="IObjectStore"/> on a directory, for single-machine installs
/// (<c>NARWHAL_STORAGE=filesystem</c>, root <c>NARWHAL_STORAGE_DIR</c>; see <see cref="StorageFactory"/>).
/// Writing is <see cref="FileSystemObjectWriter"/>'s, walking the tree for listings and prefix
/// deletes <see cref="FileSystemObjectTree"/>'s, the key-to-path mapping <see cref="FileSystemLayout"/>'s.
/// </summary>
/// <remarks>
/// <para><b>Shared directory.</b> The Api reads what the Runners write, so the Api and every Runner
/// must see the same root: run them on one machine, or mount one volume at the same path in each
/// (a Docker volume, or NFS 4.2 with extended attributes). The store keeps no state in memory; any
/// number of processes may use one root. Like a bucket, the root is created by
/// <see cref="EnsureBucketAsync"/> (the Api does it at start); until then every call throws
/// <see cref="DirectoryNotFoundException"/>. The processes need read and write access to the whole
/// tree (run them as one user, or one group with umask 002). Give the store a directory of its own:
/// two installations need two roots, and a filesystem's top directory holds lost+found.</para>
/// <para><b>Layout.</b> Key <c>runs/42/log/000001</c> is the file <c>&lt;root&gt;/runs/42/log/000001%obj</c>
/// holding exactly the object's bytes; '%' in a key is written "%25". A key segment may hold at most
/// <see cref="MaxKeySegmentBytes"/> (251) UTF-8 bytes (a file name's limit); longer keys are refused with <see cref="ArgumentException"/>.
/// The filesystem must be case-sensitive (Linux filesystems are).</para>
/// <para><b>Metadata.</b> Content type, ETag (lowercase hex SHA-256 of the bytes, computed while
/// writing them) and last-modified time are JSON in the extended attribute <c>user.narwhal.meta</c>
/// of the object's file (<see cref="FileSystemObjectMetadata"/>); the size is the file's. The
/// attribute is set on the temporary file before the rename, so bytes and metadata are replaced
/// together by one atomic rename: no reader or concurrent writer can pair one version's bytes with
/// another's metadata, as a sidecar file (a second rename) would allow. Hence the filesystem must
/// support user extended attributes (ext4, XFS, Btrfs, ZFS, tmpfs from Linux 6.6, NFS 4.2), which
/// <see cref="EnsureBucketAsync"/> checks, and copies or backups must keep them (<c>cp -a</c>,
/// <c>rsync -aX</c>, <c>tar --xattrs</c>): a file without its attribute reads as
/// <see cref="InvalidDataException"/>, never as guessed metadata.</para>
/// <para><b>Writes.</b> Into a temporary file (<c>%tmp-…</c>) in the object's directory, fsync,
/// rename over the object, fsync of the directory. A reader sees the old or the new object in full
/// (an open object stays readable even when replaced or deleted); of concurrent writers the last
/// rename wins. A crash leaves at most a temporary file, ignored by listings, never a partial object.</para>
/// <para><b>Symbolic links.</b> None below the root is followed: a key whose path meets one is refused
/// with <see cref="IOException"/>, and listings and prefix deletes skip links (with a warning). The
/// check precedes the open, so a process that can write into the root could still race it; the root
/// belongs to the Narwhal user alone. The root itself may be a link.</para>
/// <para>Linux only (extended attributes and directory fsync through libc).</para>
/// </remarks>
public sealed class FileSystemObjectStore : IObjectStore
{
    /// <summary>Longest key segment, in UTF-8 bytes with each '%' counted as the three of "%25": a file name's limit.</summary>
    public const int MaxKeySegmentBytes = FileSystemLayout.MaxSegmentBytes;

    private readonly FileSystemLayout _layout;
    private readonly FileSystemObjectWriter _writer;
    private readonly FileSystemObjectTree _tree;
    private readonly ILogger<FileSystemObjectStore> _logger;

    public FileSystemObjectStore(string rootDirectory, ILogger<FileSystemObjectStore> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        ArgumentNullException.ThrowIfNull(logger);
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The filesystem object store runs on Linux only (it keeps metadata in extended attributes).");
        _layout = new FileSystemLayout(rootDirectory);
        _writer = new FileSystemObjectWriter(_layout, logger);
        _tree = new FileSystemObjectTree(_layout, logger);
        _logger = logger;
    }

    /// <summary>The root directory, absolute.</summary>
    public string RootDirectory => _layout.Root;

    /// <summary>
    /// Creates the root when missing (idempotent), and checks that its filesystem keeps user
    /// extended attributes, so that an unsuitable directory fails at start rather than at the first upload.
    /// </summary>
    public Task EnsureBucketAsync(CancellationToken ct) => Run(() =>
    {
        ct.ThrowIfCancellationRequested();
        if (!Directory.Exists(RootDirectory))
        {
            Directory.CreateDirectory(RootDirectory);
            _logger.LogInformation("Created the object store root {Root}", RootDirectory);
        }
        var probe = Path.Join(RootDirectory, FileSystemLayout.TemporaryPrefix + "probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            new FileSystemObjectMetadata("application/octet-stream", "probe", DateTimeOffset.UtcNow).WriteTo(file.SafeFileHandle, probe);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"The filesystem of '{RootDirectory}' does not keep user extended attributes, where the " +
                "filesystem object store keeps content types and ETags; choose a directory on ext4, XFS, Btrfs or ZFS.", e);
        }
        finally
        {
            File.Delete(probe);
        }
        return true;
    });

    public Task<StoredObject?> GetAsync(string key, ByteRange? range, CancellationToken ct) => Run(() =>
    {
        var path = ExistingObjectPath(key);
        range?.Validate();
        ct.ThrowIfCancellationRequested();
        var file = OpenOrNull(path, () => new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        }));
        if (file is null) return null;
        try
        {
            var metadata = FileSystemObjectMetadata.ReadFrom(file.SafeFileHandle, path);
            var total = file.Length;
            var from = Math.Min(range?.From ?? 0, total);
            var end = range?.To is { } to && to < total ? to + 1 : total;
            var length = Math.Max(0, end - from);
            file.Seek(from, SeekOrigin.Begin);
            return new StoredObject(new FileRangeStream(file, length), length, total, metadata.ContentType, metadata.ETag, metadata.LastModified);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    });

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken ct) => Run(() =>
    {
        var path = ExistingObjectPath(key);
        ct.ThrowIfCancellationRequested();
        return ReadInfo(key, path, withContentType: true);
    });

    public Task DeleteAsync(string key, CancellationToken ct) => Run(() =>
    {
        var path = ExistingObjectPath(key);
        ct.ThrowIfCancellationRequested();
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            return false; // nothing under that name, not even its directory
        }
        _tree.PruneEmptyDirectories(Path.GetDirectoryName(path)!);
        return true;
    });

    public async Task PutFileAsync(string key, string path, string contentType, CancellationToken ct)
    {
        _layout.ObjectPath(key); // an invalid key is refused before the file is opened
        await using var file = ObjectUploads.OpenFile(path);
        await PutAsync(key, file, contentType, ct);
    }

    /// <summary>Checks the key, the content and the root; the writer does the rest (see Writes above).</summary>
    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken ct)
    {
        var path = _layout.ObjectPath(key);
        ObjectUploads.ValidateContent(content, contentType);
        if (contentType.Length > FileSystemObjectMetadata.MaxContentTypeLength)
            throw new ArgumentException($"The content type is longer than {FileSystemObjectMetadata.MaxContentTypeLength} characters.", nameof(contentType));
        ThrowIfNoRoot();
        _layout.ThrowIfLinked(path);
        await _writer.WriteAsync(key, path, content, contentType, ct);
    }

    /// <summary>
    /// Walks the tree one directory at a time, which is the page: only the entries of the
    /// directories on the current path are in memory, never the whole listing.
    /// </summary>
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        ObjectKeys.ValidatePrefix(prefix, allowEmpty: true);
        ThrowIfNoRoot();
        foreach (var (key, path) in _tree.Walk(prefix, ct))
        {
            // Deleted between the directory read and now: not there any more, as S3 would say a moment later.
            if (ReadInfo(key, path, withContentType: false) is { } info) yield return info;
        }
    }

    /// <summary>Deletes in key order, keeping what the store did not write (see <see cref="FileSystemObjectTree.DeletePrefix"/>).</summary>
    public Task DeletePrefixAsync(string prefix, CancellationToken ct) => Run(() =>
    {
        ObjectKeys.ValidatePrefix(prefix, allowEmpty: false);
        ThrowIfNoRoot();
        return _tree.DeletePrefix(prefix, ct);
    });

    /// <summary>Size, ETag and time of the object file at <paramref name="path"/>, read from one open handle (one version); null when missing.</summary>
    private static ObjectInfo? ReadInfo(string key, string path, bool withContentType)
    {
        using var handle = OpenOrNull(path, () => File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        if (handle is null) return null;
        var metadata = FileSystemObjectMetadata.ReadFrom(handle, path);
        return new ObjectInfo(key, RandomAccess.GetLength(handle), metadata.ETag,
            withContentType ? metadata.ContentType : null, metadata.LastModified);
    }

    /// <summary>The object file of a valid key, after checking that the root exists and that no link is on the way.</summary>
    private string ExistingObjectPath(string key)
    {
        var path = _layout.ObjectPath(key);
        ThrowIfNoRoot();
        _layout.ThrowIfLinked(path);
        return path;
    }

    private void ThrowIfNoRoot()
    {
        if (!Directory.Exists(RootDirectory))
            throw new DirectoryNotFoundException($"The object store root '{RootDirectory}' does not exist (EnsureBucketAsync creates it).");
    }

    /// <summary>Opens with <paramref name="open"/>, or null when the file or a directory on its path is missing.</summary>
    private static T? OpenOrNull<T>(string path, Func<T> open) where T : class
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs a synchronous filesystem operation behind the interface's Task: exceptions, argument
    /// errors included, travel in the task as they do from the S3 store's async methods.
    /// </summary>
    private static Task<T> Run<T>(Func<T> operation)
    {
        try
        {
            return Task.FromResult(operation());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }
}
