using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Narwhal.Core.Storage;

public sealed partial class FileSystemObjectStore
{
    /// <summary>
    /// Walks the tree one directory at a time, which is the page: only the entries of the
    /// directories on the current path are in memory, never the whole listing.
    /// </summary>
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        ObjectKeys.ValidatePrefix(prefix, allowEmpty: true);
        foreach (var (key, path) in Walk(prefix, ct))
        {
            // Deleted between the directory read and now: not there any more, as S3 would say a moment later.
            if (ReadInfo(key, path, withContentType: false) is { } info) yield return info;
        }
    }

    /// <summary>
    /// Deletes object by object in key order, as a listing finds them, and removes each directory
    /// left empty once the walk is past it. Temporary files of uploads in progress and anything
    /// else the store did not write (links included) stay, and so do their directories.
    /// </summary>
    public Task DeletePrefixAsync(string prefix, CancellationToken ct) => Run(() =>
    {
        ObjectKeys.ValidatePrefix(prefix, allowEmpty: false);
        string? previousDirectory = null;
        var deleted = 0;
        foreach (var (_, path) in Walk(prefix, ct))
        {
            var directory = Path.GetDirectoryName(path)!;
            // The walk is depth-first: a directory it has left is never visited again.
            if (previousDirectory is not null && previousDirectory != directory && !directory.StartsWith(previousDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                PruneEmptyDirectories(previousDirectory);
            File.Delete(path);
            previousDirectory = directory;
            deleted++;
        }
        if (previousDirectory is not null) PruneEmptyDirectories(previousDirectory);
        LogDeletedPrefix(deleted, prefix);
        return deleted;
    });

    /// <summary>Every object file whose key starts with <paramref name="prefix"/>, in ordinal key order.</summary>
    private IEnumerable<(string Key, string Path)> Walk(string prefix, CancellationToken ct)
    {
        ThrowIfNoRoot();
        var (directory, keyBase, namePrefix) = _layout.PrefixStart(prefix);
        _layout.ThrowIfLinked(directory);
        return WalkDirectory(directory, keyBase, namePrefix, ct);
    }

    private IEnumerable<(string Key, string Path)> WalkDirectory(string directory, string keyBase, string namePrefix, CancellationToken ct)
    {
        List<Entry> entries;
        try
        {
            entries = ReadEntries(directory, namePrefix);
        }
        catch (DirectoryNotFoundException)
        {
            yield break; // never created, or pruned by a concurrent delete: no objects under it
        }
        // A file "x" holds key base+"x"; a directory "x" holds keys base+"x/…". Sorting files by their
        // segment and directories by segment + "/" puts the two kinds in key order ('/' is no segment character).
        entries.Sort((a, b) => string.CompareOrdinal(a.SortName, b.SortName));
        foreach (var entry in entries)
        {
            ct.ThrowIfCancellationRequested();
            if (!entry.IsDirectory)
            {
                yield return (keyBase + entry.Segment, entry.Path);
                continue;
            }
            foreach (var item in WalkDirectory(entry.Path, keyBase + entry.Segment + "/", "", ct))
                yield return item;
        }
    }

    private List<Entry> ReadEntries(string directory, string namePrefix)
    {
        var found = new FileSystemEnumerable<(string Name, bool IsDirectory, bool IsLink)>(
            directory,
            (ref FileSystemEntry e) => (e.FileName.ToString(), e.IsDirectory, (e.Attributes & FileAttributes.ReparsePoint) != 0),
            // Nothing skipped: on Linux a name starting with '.' counts as hidden, and keys may have such segments.
            new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false });
        var entries = new List<Entry>();
        foreach (var (name, isDirectory, isLink) in found)
        {
            var path = Path.Join(directory, name);
            if (isLink)
            {
                LogLinkSkipped(path);
                continue;
            }
            var segment = isDirectory ? FileSystemLayout.DirectorySegment(name) : FileSystemLayout.ObjectSegment(name);
            if (segment is null || !segment.StartsWith(namePrefix, StringComparison.Ordinal)) continue;
            entries.Add(new Entry(segment, path, isDirectory));
        }
        return entries;
    }

    /// <summary>
    /// Removes <paramref name="directory"/> and then each parent below the root while they are
    /// empty. Stops at the first one with an entry, including one added concurrently.
    /// </summary>
    private void PruneEmptyDirectories(string directory)
    {
        for (var current = directory; _layout.IsBelowRoot(current); current = Path.GetDirectoryName(current)!)
        {
            if (!Directory.Exists(current)) continue; // pruned already
            if (HasEntries(current)) return;
            try
            {
                Directory.Delete(current, recursive: false);
            }
            catch (IOException) when (!Directory.Exists(current) || HasEntries(current))
            {
                return; // an upload or another delete got there first
            }
        }
    }

    private static bool HasEntries(string directory) =>
        Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { AttributesToSkip = 0 }).Any();

    private readonly record struct Entry(string Segment, string Path, bool IsDirectory)
    {
        public string SortName { get; } = IsDirectory ? Segment + "/" : Segment;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {Path}: a symbolic link in the object store, which the filesystem store does not follow")]
    private partial void LogLinkSkipped(string path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deleted {Count} objects under {Prefix}")]
    private partial void LogDeletedPrefix(int count, string prefix);
}
