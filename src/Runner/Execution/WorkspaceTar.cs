using System.Formats.Tar;
using System.IO.Pipelines;
using System.Security.Cryptography;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Streaming rewrites of the tar git produces: move it under a prefix (the workspace goes in as
/// /workspace/…), or cut out a sub-directory (a build context) and fingerprint its content.
/// Entries stream through one at a time; nothing is written to the host's disk.
/// </summary>
public static class WorkspaceTar
{
    /// <summary>Runs <paramref name="produce"/> into a pipe and returns the reading end.</summary>
    public static Stream Produce(Func<Stream, CancellationToken, Task> produce, CancellationToken ct)
    {
        var pipe = new Pipe();
        _ = Task.Run(async () =>
        {
            var writer = pipe.Writer.AsStream();
            try
            {
                await produce(writer, ct);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex);
            }
        }, CancellationToken.None);
        return pipe.Reader.AsStream();
    }

    /// <summary>Writes every entry of <paramref name="source"/> under <paramref name="prefix"/>/, preceded by the prefix directory itself.</summary>
    public static async Task PrefixAsync(Stream source, Stream destination, string prefix, int uid, int gid, CancellationToken ct)
    {
        await using var reader = new TarReader(source, leaveOpen: true);
        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, prefix + "/")
        {
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            Uid = uid, Gid = gid, ModificationTime = DateTimeOffset.UtcNow,
        }, ct);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
            await writer.WriteEntryAsync(Copy(entry, $"{prefix}/{entry.Name}"), ct);
        }
    }

    /// <summary>
    /// Copies the entries under <paramref name="directory"/> ("." = all) to <paramref name="destination"/>
    /// with that directory as the root, and returns a SHA-256 over names, modes, link targets and
    /// contents (not times): the same context gives the same fingerprint at any commit.
    /// </summary>
    public static async Task<string> ExtractContextAsync(Stream source, Stream destination, string directory, CancellationToken ct)
    {
        var root = directory.Trim('/') is "" or "." ? "" : directory.Trim('/') + "/";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var reader = new TarReader(source, leaveOpen: true);
        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        var found = root == "";
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
            if (!entry.Name.StartsWith(root, StringComparison.Ordinal) || entry.Name.Length == root.Length)
            {
                found |= entry.Name == root;
                continue;
            }
            found = true;
            var name = entry.Name[root.Length..];
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}\0{(int)entry.Mode}\0{entry.EntryType}\0{entry.LinkName}\0{entry.Length}\0"));
            // The content is hashed as the writer reads it through: no file is held in memory.
            await writer.WriteEntryAsync(Copy(entry, name, data => new HashingStream(data, hash)), ct);
        }
        if (!found) throw new RunRefusedException($"The build context '{directory}' does not exist in the repository.");
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <param name="wrap">Wraps the data stream (set once: the DataStream setter disposes a replaced stream).</param>
    private static PaxTarEntry Copy(TarEntry entry, string name, Func<Stream, Stream>? wrap = null)
    {
        var copy = new PaxTarEntry(entry.EntryType, name)
        {
            Mode = entry.Mode,
            Uid = entry.Uid,
            Gid = entry.Gid,
            ModificationTime = entry.ModificationTime,
        };
        // Only regular files carry data, only links a target; setting either on anything else throws.
        if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
            copy.DataStream = new KnownLengthStream(wrap is null ? data : wrap(data), entry.Length);
        if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink) copy.LinkName = entry.LinkName;
        return copy;
    }

    /// <summary>Read-through stream that feeds every byte read into a hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            hash.AppendData(buffer, offset, read);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var read = await inner.ReadAsync(buffer, ct);
            hash.AppendData(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// An entry's data as it streams out of the source archive, with the size its header announced.
    /// TarWriter writes an unseekable data stream only into a seekable archive (it would seek back
    /// to patch the size); announcing the known size lets it stream into a pipe. It never seeks.
    /// </summary>
    private sealed class KnownLengthStream(Stream inner, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set { if (value != _position) throw new NotSupportedException("This stream only reads forward."); }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            _position += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var read = await inner.ReadAsync(buffer, ct);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override long Seek(long offset, SeekOrigin origin)
        {
            var target = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => length + offset };
            if (target != _position) throw new NotSupportedException("This stream only reads forward.");
            return _position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
