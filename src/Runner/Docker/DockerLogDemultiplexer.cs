using System.Buffers;
using System.Buffers.Binary;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Parses Docker's multiplexed log stream (containers without a TTY): each frame is an 8-byte
/// header — byte 0 the stream (1 stdout, 2 stderr), three zero bytes, a big-endian uint32
/// payload length — followed by the payload.
/// </summary>
/// <remarks>
/// Push-style so it can be fed whatever chunks the socket yields: headers and payloads may be
/// split at any byte. Memory is bounded: a frame of up to <see cref="MaxChunkBytes"/> is
/// delivered whole (straight from the input when it lies in one chunk, else gathered), a larger
/// frame as consecutive pieces of at most that size. Empty frames produce no callback.
/// </remarks>
public sealed class DockerLogDemultiplexer : IDisposable
{
    public const int HeaderBytes = 8;

    /// <summary>The largest piece handed to the callback.</summary>
    public const int MaxChunkBytes = 64 * 1024;

    // Docker's stdcopy stream ids: 0 stdin (written to stdout by Docker's own client), 3 an
    // error the daemon hit while producing the logs (payload = its message).
    private const byte StdinId = 0;
    private const byte StdoutId = 1;
    private const byte StderrId = 2;
    private const byte SystemErrorId = 3;

    private readonly byte[] _header = new byte[HeaderBytes];
    private int _headerFilled;
    private byte _streamId;
    private long _payloadLeft;            // bytes of the current frame's payload not yet consumed
    private bool _atFrameStart;           // the next piece delivered is the first of its frame
    private byte[]? _gather;               // pooled; holds a payload piece that spans input chunks
    private int _gathered;

    /// <summary>True between frames: a stream that ends here ended cleanly.</summary>
    public bool IsAtFrameBoundary => _headerFilled == 0 && _payloadLeft == 0 && _gathered == 0;

    /// <summary>Reads <paramref name="source"/> to its end, calling <paramref name="onOutput"/> for each frame.</summary>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    /// <exception cref="InvalidDataException">The bytes are not a multiplexed stream (e.g. a TTY container's raw output).</exception>
    public static async Task CopyAsync(Stream source, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
    {
        using var demultiplexer = new DockerLogDemultiplexer();
        var buffer = ArrayPool<byte>.Shared.Rent(MaxChunkBytes + HeaderBytes);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                await demultiplexer.FeedAsync(buffer.AsMemory(0, read), onOutput, ct).ConfigureAwait(false);
            if (!demultiplexer.IsAtFrameBoundary)
                throw new EndOfStreamException("The Docker log stream ended in the middle of a frame.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Consumes one chunk of the stream, calling <paramref name="onOutput"/> for every frame (or piece) it completes.</summary>
    public async ValueTask FeedAsync(ReadOnlyMemory<byte> chunk, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
    {
        while (!chunk.IsEmpty)
        {
            if (_payloadLeft == 0)
            {
                var take = Math.Min(HeaderBytes - _headerFilled, chunk.Length);
                chunk.Span[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                chunk = chunk[take..];
                if (_headerFilled == HeaderBytes)
                {
                    _headerFilled = 0;
                    StartFrame();
                }
                continue;
            }

            // The piece of payload to deliver next: the rest of the frame, capped at MaxChunkBytes.
            var pieceLeft = (int)Math.Min(_payloadLeft, MaxChunkBytes) - _gathered;
            if (_gathered == 0 && chunk.Length >= pieceLeft)
            {
                // Whole piece inside this chunk: hand it over without copying.
                await DeliverAsync(chunk[..pieceLeft], onOutput, ct).ConfigureAwait(false);
                chunk = chunk[pieceLeft..];
                continue;
            }

            var copy = Math.Min(pieceLeft, chunk.Length);
            _gather ??= ArrayPool<byte>.Shared.Rent(MaxChunkBytes);
            chunk.Span[..copy].CopyTo(_gather.AsSpan(_gathered));
            _gathered += copy;
            chunk = chunk[copy..];
            if (copy == pieceLeft)
            {
                var piece = _gather.AsMemory(0, _gathered);
                _gathered = 0;
                await DeliverAsync(piece, onOutput, ct).ConfigureAwait(false);
            }
        }
    }

    private void StartFrame()
    {
        _streamId = _header[0];
        if (_streamId > SystemErrorId || _header[1] != 0 || _header[2] != 0 || _header[3] != 0)
            throw new InvalidDataException(
                $"Not a Docker multiplexed log stream: frame header {Convert.ToHexString(_header)} (is the container running with a TTY?).");
        _payloadLeft = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
        _atFrameStart = true;
    }

    private ValueTask DeliverAsync(ReadOnlyMemory<byte> piece, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
    {
        _payloadLeft -= piece.Length;
        var first = _atFrameStart;
        _atFrameStart = false;
        return _streamId switch
        {
            StdinId or StdoutId => onOutput(new LogFrame(LogStream.Stdout, piece, first), ct),
            StderrId => onOutput(new LogFrame(LogStream.Stderr, piece, first), ct),
            _ => throw DockerErrors.FromLogStreamError(System.Text.Encoding.UTF8.GetString(piece.Span)),
        };
    }

    public void Dispose()
    {
        if (_gather is not null) ArrayPool<byte>.Shared.Return(_gather);
        _gather = null;
    }
}
