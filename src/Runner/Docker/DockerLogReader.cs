using System.Buffers;
using Docker.DotNet;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Reads a log stream that Docker.DotNet demultiplexes (<see cref="MultiplexedStream"/>, logs read
/// with <c>timestamps=1</c>) into <see cref="LogFrame"/>s, marking which piece starts a log entry.
/// </summary>
/// <remarks>
/// <para>
/// The <see cref="DockerLogCursor"/> needs entry starts (each entry begins with its timestamp), but
/// <see cref="MultiplexedStream"/> hands out pieces of frames as the socket yields them and does not say
/// where a frame begins. One frame is one log entry, <c>"&lt;RFC3339Nano timestamp&gt; &lt;text&gt;"</c>, and
/// Docker cuts log lines at '\n', so a '\n' is only ever the last byte of a frame. A piece starts an entry when:
/// </para>
/// <list type="bullet">
///   <item>it is the first of the read, or on another stream than the piece before it (a frame has one stream);</item>
///   <item>the piece before it ended with '\n' (that ended its frame);</item>
///   <item>the piece before it ended without one (a partial line: Docker splits lines over 16 KiB, or the
///   process wrote no newline yet) and this one begins with a timestamp in Docker's fixed format. Only here
///   is the rule a judgement: a continuation of a long line that itself begins, at exactly the byte where
///   the socket cut it, with such a timestamp and a space would be taken for a new entry.</item>
/// </list>
/// <para>A piece that starts an entry is completed up to its timestamp's space before it is delivered.</para>
/// </remarks>
public static class DockerLogReader
{
    /// <summary>The largest piece handed to the callback.</summary>
    public const int MaxChunkBytes = 64 * 1024;

    /// <summary>Docker's RFC3339NanoFixed with a UTC zone and the space after it: <c>2026-11-22T23:13:02.123456789Z </c>.</summary>
    private const int TimestampPrefixBytes = 31;

    /// <summary>Longest timestamp prefix with a zone offset (<c>+01:00</c>) and its space.</summary>
    private const int MaxTimestampPrefixBytes = 36;

    /// <summary>Reads <paramref name="source"/> to its end, calling <paramref name="onOutput"/> for each piece.</summary>
    /// <exception cref="DockerEngineException">The engine reported an error inside the stream (a frame of another kind than stdout/stderr).</exception>
    public static async Task CopyAsync(MultiplexedStream source, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxChunkBytes);
        try
        {
            MultiplexedStream.TargetStream? previousTarget = null;
            var previousEndedLine = true;
            while (true)
            {
                var read = await ReadAsync(source, buffer, 0, MaxChunkBytes, ct).ConfigureAwait(false);
                if (read.EOF) return;
                var length = read.Count;

                var startsEntry = previousTarget != read.Target || previousEndedLine;
                if (!startsEntry)
                {
                    // A partial line before: a new entry only if this piece begins with Docker's timestamp.
                    length = await FillAsync(source, buffer, length, TimestampPrefixBytes, ct).ConfigureAwait(false);
                    startsEntry = StartsWithFixedTimestamp(buffer.AsSpan(0, length));
                }
                else
                {
                    length = await FillTimestampAsync(source, buffer, length, ct).ConfigureAwait(false);
                }

                previousTarget = read.Target;
                previousEndedLine = buffer[length - 1] == (byte)'\n';
                var stream = read.Target == MultiplexedStream.TargetStream.StandardError ? LogStream.Stderr : LogStream.Stdout;
                await onOutput(new LogFrame(stream, buffer.AsMemory(0, length), startsEntry), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Whether <paramref name="piece"/> begins with <c>YYYY-MM-DDTHH:MM:SS.nnnnnnnnn</c>, a zone and a space.</summary>
    public static bool StartsWithFixedTimestamp(ReadOnlySpan<byte> piece)
    {
        var space = piece[..Math.Min(piece.Length, MaxTimestampPrefixBytes)].IndexOf((byte)' ');
        if (space < TimestampPrefixBytes - 1) return false;
        var stamp = piece[..space];
        return stamp[19] == '.' && stamp[20..29].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
            && DockerLogCursor.TryParse(stamp, out _);
    }

    /// <summary>Reads more of the same frame until the piece holds its timestamp's space (or is as long as a timestamp can be).</summary>
    private static async Task<int> FillTimestampAsync(MultiplexedStream source, byte[] buffer, int length, CancellationToken ct)
    {
        while (buffer.AsSpan(0, length).IndexOf((byte)' ') < 0 && length < MaxTimestampPrefixBytes)
        {
            var more = await ReadAsync(source, buffer, length, MaxTimestampPrefixBytes - length, ct).ConfigureAwait(false);
            if (more.EOF) break;
            length += more.Count;
        }
        return length;
    }

    /// <summary>
    /// Reads more of the same frame until the piece has <paramref name="wanted"/> bytes, stopping early when
    /// what it has already rules out a timestamp or ends a line.
    /// </summary>
    private static async Task<int> FillAsync(MultiplexedStream source, byte[] buffer, int length, int wanted, CancellationToken ct)
    {
        while (length < wanted && CouldBeTimestampPrefix(buffer.AsSpan(0, length)))
        {
            var more = await ReadAsync(source, buffer, length, wanted - length, ct).ConfigureAwait(false);
            if (more.EOF) break;
            length += more.Count;
        }
        return length;
    }

    private static bool CouldBeTimestampPrefix(ReadOnlySpan<byte> piece)
    {
        ReadOnlySpan<byte> shape = "0000-00-00T00:00:00.000000000"u8;
        for (var i = 0; i < piece.Length && i < shape.Length; i++)
        {
            var isDigit = piece[i] is >= (byte)'0' and <= (byte)'9';
            if (shape[i] == '0' ? !isDigit : piece[i] != shape[i]) return false;
        }
        return piece.IndexOf((byte)'\n') < 0;
    }

    private static async Task<MultiplexedStream.ReadResult> ReadAsync(MultiplexedStream source, byte[] buffer, int offset, int count, CancellationToken ct)
    {
        try
        {
            return await source.ReadOutputAsync(buffer, offset, count, ct).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex is not EndOfStreamException && ex.Message.StartsWith("Unknown stream type", StringComparison.Ordinal))
        {
            // Stream 3: the daemon failed producing the logs. Docker.DotNet reports the frame, not its message.
            throw DockerErrors.FromLogStreamError(ex.Message);
        }
    }
}
