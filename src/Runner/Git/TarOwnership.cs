using System.Formats.Tar;

namespace Narwhal.Runner.Git;

/// <summary>
/// Re-owns the entries of a tar stream (<c>git archive</c> has no option for it: it always writes 0:0).
/// Entry by entry, each entry's data streamed straight through (TarReader → TarWriter): the archive
/// is never held in memory or on disk, and neither stream needs to seek.
/// </summary>
internal static class TarOwnership
{
    /// <summary>PAX keys that would override the ids or names we set (git writes none; another producer might).</summary>
    private static readonly string[] OwnershipAttributes = ["uid", "gid", "uname", "gname"];

    public static async Task RewriteAsync(Stream source, Stream destination, int? uid, int? gid, CancellationToken ct)
    {
        await using var reader = new TarReader(source, leaveOpen: true);
        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
        {
            var output = entry.EntryType is TarEntryType.GlobalExtendedAttributes ? entry : Reowned(entry, uid, gid);
            await writer.WriteEntryAsync(output, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A copy of <paramref name="entry"/> in its own format with new owner ids. A copy, because an entry
    /// read from a forward-only stream cannot be given a new data stream, and TarWriter needs the data's
    /// length up front when the destination cannot seek (see <see cref="KnownLengthStream"/>).
    /// </summary>
    private static TarEntry Reowned(TarEntry entry, int? uid, int? gid)
    {
        var type = entry.EntryType is TarEntryType.V7RegularFile && entry.Format is not TarEntryFormat.V7 ? TarEntryType.RegularFile : entry.EntryType;
        TarEntry copy = entry switch
        {
            PaxTarEntry pax => new PaxTarEntry(type, entry.Name,
                pax.ExtendedAttributes.Where(attribute => !OwnershipAttributes.Contains(attribute.Key))),
            GnuTarEntry gnu => new GnuTarEntry(type, entry.Name) { AccessTime = gnu.AccessTime, ChangeTime = gnu.ChangeTime },
            UstarTarEntry => new UstarTarEntry(type, entry.Name),
            _ => new V7TarEntry(type, entry.Name),
        };
        copy.Mode = entry.Mode;
        copy.ModificationTime = entry.ModificationTime;
        copy.Uid = uid ?? entry.Uid;
        copy.Gid = gid ?? entry.Gid;
        if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink) copy.LinkName = entry.LinkName;
        if (entry is PosixTarEntry from && copy is PosixTarEntry to)
        {
            // git's "root" would contradict the new ids, and some extractors prefer names over ids.
            to.UserName = uid is null ? from.UserName : "";
            to.GroupName = gid is null ? from.GroupName : "";
            if (type is TarEntryType.BlockDevice or TarEntryType.CharacterDevice)
            {
                to.DeviceMajor = from.DeviceMajor;
                to.DeviceMinor = from.DeviceMinor;
            }
        }
        if (entry.DataStream is { } data) copy.DataStream = new KnownLengthStream(data, entry.Length);
        return copy;
    }

    /// <summary>
    /// A forward-only read of an entry's data that reports its length (from the entry's header).
    /// TarWriter reads Length and Position to write the header before the data; it never seeks.
    /// </summary>
    private sealed class KnownLengthStream(Stream inner, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true; // only so that Length and Position are asked; Seek is refused
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }

        private int Counted(int read)
        {
            _position += read;
            return read;
        }
    }
}
