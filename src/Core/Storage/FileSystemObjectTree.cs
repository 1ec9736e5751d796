using System.IO.Enumeration;
using Microsoft.Extensions.Logging;

namespace Narwhal.Core.Storage;

/// <summary>
/// The object files of <see cref="FileSystemObjectStore"/> as a tree: walked in key order one
/// directory at a time (only the entries of the directories on the current path are in memory,
/// never the whole listing), deleted by prefix, and directories left empty removed. Symbolic links
/// are skipped with a warning. The store has checked that the root exists before it calls.
/// </summary>
internal sealed class FileSystemObjectTree(FileSystemLayout layout, ILogger logger)
{
    /// <summary>
    /// Deletes object by object in key order, as a listing finds them, and removes each directory
    /// left empty once the walk is past it. Temporary files of uploads in progress and anything
    /// else the store did not write (links included) stay, and so do their directories.
    /// Returns how many objects were deleted.
    /// </summary>
    public int DeletePrefix(string prefix, CancellationToken ct)
    {
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
        logger.LogDebug("Deleted {Count} objects under {Prefix}", deleted, prefix);
        return deleted;
    }

    /// <summary>Every object file whose key starts with <paramref name="prefix"/>, in ordinal key order.</summary>
    public IEnumerable<(string Key, string Path)> Walk(string prefix, CancellationToken ct)
    {
        var (directory, keyBase, namePrefix) = layout.PrefixStart(prefix);
        layout.ThrowIfLinked(directory);
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
                logger.LogWarning("Skipped {Path}: a symbolic link in the object store, which the filesystem store does not follow", path);
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
    public void PruneEmptyDirectories(string directory)
    {
        for (var current = directory; layout.IsBelowRoot(current); current = Path.GetDirectoryName(current)!)
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
}
