using System.Text;
using Docker.DotNet;
using Narwhal.Runner.Docker;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Docker.MultiplexedLog;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>
/// Locks in how a timestamped Docker log stream, demultiplexed by Docker.DotNet, becomes log frames:
/// however the socket cuts the bytes, every byte arrives once, on its stream, in order, and exactly the
/// pieces that begin a log entry are marked as such (the log cursor resumes reads by them).
/// </summary>
[TestFixture]
public sealed class When_reading_a_timestamped_docker_log_stream
{
    private const string T1 = "2026-11-22T23:13:02.000000001Z ";
    private const string T2 = "2026-11-22T23:13:02.000000002Z ";
    private const string T3 = "2026-11-22T23:13:03.500000000Z ";

    private static readonly (byte, byte[])[] Entries =
    [
        Out(T1 + "hello\n"), Err(T1 + "oops\n"), Out(T2 + "partial line without newline"), Out(T2 + "next\n"),
        Err(T3 + "warn: x\n"), Out(T3 + "no newline"),
    ];

    private static async Task<List<(LogStream Stream, string Text, bool StartsEntry)>> ReadAsync(byte[] bytes, int readSize)
    {
        var frames = new List<(LogStream, string, bool)>();
        using var stream = new MultiplexedStream(new TricklingStream(bytes, readSize), multiplexed: true);
        await DockerLogReader.CopyAsync(stream, (frame, _) =>
        {
            frames.Add((frame.Stream, Encoding.UTF8.GetString(frame.Data.Span), frame.StartsEntry));
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return frames;
    }

    /// <summary>Glues the pieces back into entries: each starts at a piece marked StartsEntry.</summary>
    private static List<(LogStream, string)> Entries_(List<(LogStream Stream, string Text, bool StartsEntry)> frames)
    {
        var entries = new List<(LogStream, string)>();
        foreach (var (stream, text, startsEntry) in frames)
        {
            if (startsEntry || entries.Count == 0) entries.Add((stream, text));
            else entries[^1] = (stream, entries[^1].Item2 + text);
        }
        return entries;
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(31)]
    [TestCase(64 * 1024)]
    public async Task Should_mark_exactly_the_entry_starts_whatever_the_socket_hands_out(int readSize)
    {
        var frames = await ReadAsync(Encode(Entries), readSize);

        Assert.That(Entries_(frames), Is.EqualTo(Entries.Select(entry =>
            (entry.Item1 == 2 ? LogStream.Stderr : LogStream.Stdout, Encoding.UTF8.GetString(entry.Item2)))), $"reads of {readSize}");
        Assert.That(frames.Where(frame => frame.StartsEntry).Select(frame => frame.Text[..Math.Min(frame.Text.Length, T1.Length)]),
            Has.All.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z $"), "an entry's first piece holds its whole timestamp");
    }

    [Test]
    public async Task Should_keep_interleaved_stdout_and_stderr_in_delivery_order()
    {
        var entries = Enumerable.Range(0, 100).Select(i => i % 3 == 0 ? Err($"{T1}e{i}\n") : Out($"{T1}o{i}\n")).ToArray();

        var frames = await ReadAsync(Encode(entries), 5);

        Assert.That(Entries_(frames), Is.EqualTo(
            Enumerable.Range(0, 100).Select(i => i % 3 == 0 ? (LogStream.Stderr, $"{T1}e{i}\n") : (LogStream.Stdout, $"{T1}o{i}\n"))));
    }

    [Test]
    public async Task Should_deliver_a_long_entry_in_bounded_pieces_of_its_stream()
    {
        var big = T2 + new string('x', 1024 * 1024);
        var bytes = Encode(Out(T1 + "before\n"), Err(big), Out(T3 + "after\n"));

        foreach (var readSize in new[] { 1000, 8192, 65536 + 3, bytes.Length })
        {
            var frames = await ReadAsync(bytes, readSize);

            Assert.That(Entries_(frames), Is.EqualTo(new[]
            {
                (LogStream.Stdout, T1 + "before\n"), (LogStream.Stderr, big), (LogStream.Stdout, T3 + "after\n"),
            }), $"reads of {readSize}");
            Assert.That(frames.Select(frame => Encoding.UTF8.GetByteCount(frame.Text)), Is.All.LessThanOrEqualTo(DockerLogReader.MaxChunkBytes));
        }
    }

    [Test]
    public void Should_throw_when_the_stream_ends_inside_a_frame()
    {
        var bytes = Encode(Out(T1 + "hello\n"));
        Assert.ThrowsAsync<EndOfStreamException>(() => ReadAsync(bytes[..^2], 64));
    }

    [Test]
    public void Should_surface_a_daemon_error_frame_as_an_engine_error()
    {
        var bytes = Encode(Out(T1 + "partial\n"), (3, "error from daemon in stream: log file rotated\n"u8.ToArray()));
        var error = Assert.ThrowsAsync<DockerEngineException>(() => ReadAsync(bytes, 64));
        Assert.That(error!.Operation, Is.EqualTo(DockerOperations.StreamLogs));
    }

    [TestCase("2026-11-22T23:13:02.123456789Z rest", true)]
    [TestCase("2026-11-22T23:13:02.123456789+01:00 rest", true)]
    [TestCase("2026-11-22T23:13:02.1Z rest", false)]
    [TestCase("2026-11-22T23:13:02.123456789Zrest", false)]
    [TestCase("just text", false)]
    public void Should_recognise_only_dockers_fixed_timestamp_as_an_entry_start(string piece, bool starts)
    {
        Assert.That(DockerLogReader.StartsWithFixedTimestamp(Encoding.ASCII.GetBytes(piece)), Is.EqualTo(starts));
    }
}
