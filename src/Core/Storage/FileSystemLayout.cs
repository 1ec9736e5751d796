using System.Text;

namespace Narwhal.Core.Storage;

/// <summary>
/// Where <see cref="FileSystemObjectStore"/> keeps each key under its root, and the guard that no
/// path it touches leaves the root. Key "runs/42/log/000001" is the file
/// <c>&lt;root&gt;/runs/42/log/000001%obj</c>: every segment but the last is a directory, the last
/// is a file with <see cref="ObjectSuffix"/>, so "runs/1" and "runs/1/log" can both exist, as in S3.
/// A '%' in a key is written "%25"; as every '%' the encoding produces is followed by "25", no key
/// yields <see cref="ObjectSuffix"/> in a directory name or a name starting with
/// <see cref="TemporaryPrefix"/>.
/// </summary>
/// <remarks>
/// Keys are checked by <see cref="ObjectKeys"/> first (no "..", ".", empty segment, leading '/' or
/// backslash), so a key cannot name anything outside the root; <see cref="ObjectPath"/> checks the
/// result once more. Symbolic links below the root are refused (<see cref="ThrowIfLinked"/>): a
/// link placed in the store never leads a read, write or delete elsewhere.
/// </remarks>
internal sealed class FileSystemLayout
{
    public const string ObjectSuffix = "%obj";
    public const string TemporaryPrefix = "%tmp-";

    /// <summary>Longest file name Linux filesystems take (ext4, XFS, Btrfs: 255 bytes).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Longest key segment, in UTF-8 bytes once '%' is escaped.</summary>
    public const int MaxSegmentBytes = MaxNameBytes - 4;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _rootWithSeparator;

    public FileSystemLayout(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _rootWithSeparator = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
    }

    /// <summary>The root directory, absolute. It may itself be a symbolic link (an operator's choice); nothing below it may.</summary>
    public string Root { get; }

    /// <summary>The object file of <paramref name="key"/>; throws <see cref="ArgumentException"/> for a key the store cannot hold.</summary>
    public string ObjectPath(string key)
    {
        ObjectKeys.Validate(key);
        var segments = key.Split('/');
        var names = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            names[i] = Encode(segments[i]);
            if (ByteCount(names[i], key) > MaxSegmentBytes)
                throw new ArgumentException(
                    $"Object key '{key}' has a segment longer than {MaxSegmentBytes} UTF-8 bytes, the filesystem store's limit.", nameof(key));
        }
        names[^1] += ObjectSuffix;
        return Inside(Path.Join(Root, string.Join(Path.DirectorySeparatorChar, names)), key);
    }

    /// <summary>
    /// Where a listing of <paramref name="prefix"/> (already validated) starts: the directory of its
    /// complete segments, the key text they stand for, and the start of the last, partial segment.
    /// </summary>
    public (string Directory, string KeyBase, string NamePrefix) PrefixStart(string prefix)
    {
        var slash = prefix.LastIndexOf('/');
        if (slash < 0) return (Root, "", prefix);
        var directories = prefix[..slash].Split('/').Select(Encode);
        var directory = Path.Join(Root, string.Join(Path.DirectorySeparatorChar, directories));
        return (Inside(directory, prefix), prefix[..(slash + 1)], prefix[(slash + 1)..]);
    }

    /// <summary>The key segment a directory name stands for, or null when the store did not make it.</summary>
    public static string? DirectorySegment(string name) => Decode(name);

    /// <summary>The key segment an object file name stands for, or null when it is not an object file (a temporary file, say).</summary>
    public static string? ObjectSegment(string name) =>
        name.EndsWith(ObjectSuffix, StringComparison.Ordinal) ? Decode(name[..^ObjectSuffix.Length]) : null;

    /// <summary>
    /// Throws when <paramref name="path"/> (under the root) or a directory between it and the root is
    /// a symbolic link. Names that do not exist yet pass.
    /// </summary>
    public void ThrowIfLinked(string path)
    {
        for (var current = path; current.Length > Root.Length; current = Path.GetDirectoryName(current)!)
        {
            if (new FileInfo(current).LinkTarget is { } target)
                throw new IOException($"'{current}' in the object store is a symbolic link (to '{target}'); " +
                    $"the filesystem store follows none, so that nothing outside '{Root}' is read, written or deleted.");
        }
    }

    /// <summary>
    /// Creates the directories from the root down to <paramref name="directory"/> that are missing,
    /// refusing symbolic links on the way. Returns the directories that gained an entry (to be
    /// fsynced for the new names to last).
    /// </summary>
    public List<string> CreateDirectories(string directory)
    {
        ThrowIfLinked(directory);
        var missing = new Stack<string>();
        for (var current = directory; current.Length > Root.Length && !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
            missing.Push(current);
        var changed = new List<string>();
        while (missing.TryPop(out var next))
        {
            Directory.CreateDirectory(next);
            changed.Add(Path.GetDirectoryName(next)!);
        }
        return changed;
    }

    /// <summary>Whether <paramref name="directory"/> is strictly below the root (the root itself is never pruned).</summary>
    public bool IsBelowRoot(string directory) => directory.StartsWith(_rootWithSeparator, StringComparison.Ordinal);

    private string Inside(string path, string key)
    {
        // Unreachable for what ObjectKeys accepts; kept so that a future change there cannot open the root.
        var full = Path.GetFullPath(path);
        if (full != Root && !full.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
            throw new ArgumentException($"Object key '{key}' would leave the store's root.", nameof(key));
        return path;
    }

    private static int ByteCount(string name, string key)
    {
        try
        {
            return StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException e)
        {
            // A lone surrogate has no UTF-8 form: two such keys would share one file name.
            throw new ArgumentException($"Object key '{key}' is not valid Unicode (a lone surrogate).", nameof(key), e);
        }
    }

    private static string Encode(string segment) => segment.Replace("%", "%25", StringComparison.Ordinal);

    private static string? Decode(string name)
    {
        for (var i = name.IndexOf('%'); i >= 0; i = name.IndexOf('%', i + 1))
        {
            if (string.CompareOrdinal(name, i, "%25", 0, 3) != 0) return null;
        }
        return name.Replace("%25", "%", StringComparison.Ordinal);
    }
}
