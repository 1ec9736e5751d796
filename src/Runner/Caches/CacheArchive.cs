using System.Formats.Tar;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Git;

namespace Narwhal.Runner.Caches;

/// <summary>
/// The tar a cache is stored as: entries named relative to the workspace (<c>node_modules/x</c>,
/// <c>.cache/pip/…</c>), the folders above each path first. Packed from the engine's archives of the
/// paths; checked and re-owned before it goes back into a container, so a damaged or foreign object
/// is refused whole rather than half extracted.
/// </summary>
internal static class CacheArchive
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>Writes the paths that exist in the container into <paramref name="file"/>; returns those that do not.</summary>
    public static async Task<IReadOnlyList<string>> PackAsync(IContainerEngine engine, string containerId, IReadOnlyList<string> paths, string file,
        CancellationToken ct)
    {
        var missing = new List<string>();
        await using var output = File.Create(file);
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: false);
        foreach (var path in paths)
        {
            await using var archive = await engine.GetArchiveAsync(containerId, $"{ContainerSpecFactory.WorkspacePath}/{path}", ct);
            if (archive is null)
            {
                missing.Add(path);
                continue;
            }
            // The engine names entries from the path's last component: put back what is above it.
            var parent = path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
            foreach (var folder in Ancestors(parent))
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, folder + "/") { Mode = DirectoryMode, ModificationTime = DateTimeOffset.UtcNow }, ct);
            await using var reader = new TarReader(archive);
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
                if (parent.Length > 0)
                {
                    entry.Name = $"{parent}/{entry.Name}";
                    // A hard link names another entry of the same archive.
                    if (entry.EntryType is TarEntryType.HardLink) entry.LinkName = $"{parent}/{entry.LinkName}";
                }
                await writer.WriteEntryAsync(entry, ct);
            }
        }
        return missing;
    }

    /// <summary>
    /// Reads the whole stored tar (<paramref name="source"/>), refusing it when it is damaged or names anything
    /// outside <paramref name="paths"/> (and the folders above them), and writes it to <paramref name="destination"/>
    /// with every entry owned by the step's workspace owner, so its script may change what was restored.
    /// </summary>
    public static async Task ReownCheckedAsync(string source, string destination, IReadOnlyList<string> paths, int uid, int gid, CancellationToken ct)
    {
        await using (var input = File.OpenRead(source))
        await using (var reader = new TarReader(input))
        {
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
                if (!Allowed(entry.Name, paths))
                    throw new InvalidDataException($"the archive holds '{entry.Name}', outside the cache's paths");
                // Reading each entry's data to its end is what finds a tar cut short.
                if (entry.DataStream is { } data) await data.CopyToAsync(Stream.Null, ct);
            }
        }
        await using var from = File.OpenRead(source);
        await using var to = File.Create(destination);
        await TarOwnership.RewriteAsync(from, to, uid, gid, ct);
    }

    private static bool Allowed(string name, IReadOnlyList<string> paths)
    {
        var trimmed = name.TrimEnd('/');
        if (trimmed.Length == 0 || trimmed.StartsWith('/') || trimmed.Split('/').Any(segment => segment is ".." or "." or "")) return false;
        return paths.Any(path => trimmed == path || trimmed.StartsWith(path + "/", StringComparison.Ordinal) || path.StartsWith(trimmed + "/", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Ancestors(string folder)
    {
        if (folder.Length == 0) yield break;
        for (var slash = folder.IndexOf('/'); slash > 0; slash = folder.IndexOf('/', slash + 1))
            yield return folder[..slash];
        yield return folder;
    }
}
