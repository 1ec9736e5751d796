using System.Formats.Tar;
using System.Text;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Builds small tar archives (workspaces, build contexts) in memory for the Docker tests.</summary>
internal sealed class TarBuilder
{
    private static readonly DateTimeOffset Timestamp = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly List<UstarTarEntry> _entries = [];

    public TarBuilder Directory(string name, int uid = 0, int gid = 0)
    {
        _entries.Add(new UstarTarEntry(TarEntryType.Directory, name.TrimEnd('/') + "/")
        {
            Uid = uid,
            Gid = gid,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                   | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            ModificationTime = Timestamp,
        });
        return this;
    }

    public TarBuilder File(string name, string text, int uid = 0, int gid = 0, bool executable = false)
    {
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if (executable) mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        _entries.Add(new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            Uid = uid,
            Gid = gid,
            Mode = mode,
            ModificationTime = Timestamp,
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
        });
        return this;
    }

    /// <summary>The archive, positioned at its start.</summary>
    public MemoryStream Build()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(entry);
            }
        }
        output.Position = 0;
        return output;
    }

    /// <summary>A build context holding <paramref name="dockerfile"/> at <paramref name="path"/> and the given files.</summary>
    public static MemoryStream BuildContext(string dockerfile, string path = "Dockerfile", params (string Name, string Text)[] files)
    {
        var tar = new TarBuilder().File(path, dockerfile);
        foreach (var (name, text) in files) tar.File(name, text);
        return tar.Build();
    }
}

/// <summary>One entry read back from an archive.</summary>
internal sealed record TarItem(string Name, TarEntryType Type, string Text, int Uid);

internal static class TarContents
{
    /// <summary>Every entry of <paramref name="tar"/>, with file contents as text.</summary>
    public static async Task<List<TarItem>> ReadAsync(Stream tar, CancellationToken ct)
    {
        var items = new List<TarItem>();
        await using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            var text = "";
            if (entry.DataStream is { } data)
            {
                using var content = new StreamReader(data, Encoding.UTF8);
                text = await content.ReadToEndAsync(ct);
            }
            items.Add(new TarItem(entry.Name, entry.EntryType, text, entry.Uid));
        }
        return items;
    }
}
