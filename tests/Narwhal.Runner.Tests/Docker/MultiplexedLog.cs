using System.Buffers.Binary;
using Narwhal.Runner.Docker;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Builds Docker multiplexed log bytes and collects what the engine delivers.</summary>
internal static class MultiplexedLog
{
    public static byte[] Encode(params (byte Stream, byte[] Payload)[] frames)
    {
        var output = new MemoryStream();
        Span<byte> header = stackalloc byte[8];
        foreach (var (stream, payload) in frames)
        {
            header.Clear();
            header[0] = stream;
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)payload.Length);
            output.Write(header);
            output.Write(payload);
        }
        return output.ToArray();
    }

    public static (byte, byte[]) Out(string text) => (1, System.Text.Encoding.UTF8.GetBytes(text));

    public static (byte, byte[]) Err(string text) => (2, System.Text.Encoding.UTF8.GetBytes(text));
}

/// <summary>Records frames, copying their data (it is only valid during the callback).</summary>
public sealed class FrameRecorder
{
    public List<(LogStream Stream, byte[] Data)> Frames { get; } = [];

    public ValueTask OnOutput(LogFrame frame, CancellationToken ct)
    {
        Frames.Add((frame.Stream, frame.Data.ToArray()));
        return ValueTask.CompletedTask;
    }

    public IEnumerable<(LogStream Stream, string Text)> Texts =>
        Frames.Select(frame => (frame.Stream, System.Text.Encoding.UTF8.GetString(frame.Data)));
}

/// <summary>A read-only stream that hands out at most <c>readSize</c> bytes per read, as a socket might.</summary>
internal sealed class TricklingStream(byte[] data, int readSize) : Stream
{
    private int _position;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(buffer.Length, readSize), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => new(Read(buffer.Span));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
