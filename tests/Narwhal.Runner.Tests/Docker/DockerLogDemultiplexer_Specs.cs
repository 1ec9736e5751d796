using Narwhal.Runner.Docker;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Docker.MultiplexedLog;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>
/// Locks in the parsing of Docker's multiplexed log stream: however the socket cuts the bytes,
/// every frame reaches the callback whole, on its stream, in order, with bounded memory.
/// </summary>
[TestFixture]
public sealed class When_demultiplexing_a_docker_log_stream
{
    private static readonly (byte, byte[])[] Interleaved =
    [
        Out("hello\n"), Err("oops\n"), Out(""), Out("second line\n"), Err(""), Err("warn: x\n"), Out("no newline"),
    ];

    private static readonly (LogStream, string)[] InterleavedExpected =
    [
        (LogStream.Stdout, "hello\n"), (LogStream.Stderr, "oops\n"), (LogStream.Stdout, "second line\n"),
        (LogStream.Stderr, "warn: x\n"), (LogStream.Stdout, "no newline"),
    ];

    [Test]
    public async Task Should_deliver_every_frame_whole_whatever_byte_the_input_is_split_at()
    {
        var bytes = Encode(Interleaved);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var recorder = new FrameRecorder();
            using var demultiplexer = new DockerLogDemultiplexer();
            await demultiplexer.FeedAsync(bytes.AsMemory(0, split), recorder.OnOutput, CancellationToken.None);
            await demultiplexer.FeedAsync(bytes.AsMemory(split), recorder.OnOutput, CancellationToken.None);

            Assert.That(recorder.Texts, Is.EqualTo(InterleavedExpected), $"split at byte {split}");
            Assert.That(demultiplexer.IsAtFrameBoundary, Is.True);
        }
    }

    [Test]
    public async Task Should_deliver_every_frame_whole_when_fed_one_byte_at_a_time()
    {
        var recorder = new FrameRecorder();
        await DockerLogDemultiplexer.CopyAsync(new TricklingStream(Encode(Interleaved), 1), recorder.OnOutput, CancellationToken.None);

        Assert.That(recorder.Texts, Is.EqualTo(InterleavedExpected));
    }

    [Test]
    public async Task Should_keep_interleaved_stdout_and_stderr_in_delivery_order()
    {
        var frames = Enumerable.Range(0, 100).Select(i => i % 3 == 0 ? Err($"e{i}\n") : Out($"o{i}\n")).ToArray();
        var recorder = new FrameRecorder();
        await DockerLogDemultiplexer.CopyAsync(new MemoryStream(Encode(frames)), recorder.OnOutput, CancellationToken.None);

        Assert.That(recorder.Texts, Is.EqualTo(
            Enumerable.Range(0, 100).Select(i => i % 3 == 0 ? (LogStream.Stderr, $"e{i}\n") : (LogStream.Stdout, $"o{i}\n"))));
    }

    [Test]
    public async Task Should_skip_empty_frames_without_losing_sync()
    {
        var recorder = new FrameRecorder();
        await DockerLogDemultiplexer.CopyAsync(
            new TricklingStream(Encode(Out(""), Err(""), Out(""), Err("after\n")), 3), recorder.OnOutput, CancellationToken.None);

        Assert.That(recorder.Texts, Is.EqualTo(new[] { (LogStream.Stderr, "after\n") }));
    }

    [Test]
    public async Task Should_deliver_a_1_MiB_frame_in_bounded_pieces_of_its_stream()
    {
        var big = new byte[1024 * 1024];
        new Random(42).NextBytes(big);
        var bytes = Encode(Out("before\n"), (2, big), Out("after\n"));

        foreach (var readSize in new[] { 1000, 8192, 65536 + 3, bytes.Length })
        {
            var recorder = new FrameRecorder();
            await DockerLogDemultiplexer.CopyAsync(new TricklingStream(bytes, readSize), recorder.OnOutput, CancellationToken.None);

            var middle = recorder.Frames.Skip(1).SkipLast(1).ToList();
            Assert.That(recorder.Texts.Take(1).Concat(recorder.Texts.TakeLast(1)),
                Is.EqualTo(new[] { (LogStream.Stdout, "before\n"), (LogStream.Stdout, "after\n") }), $"reads of {readSize}");
            Assert.That(middle.Select(frame => frame.Stream), Is.All.EqualTo(LogStream.Stderr), $"reads of {readSize}");
            Assert.That(middle.Select(frame => frame.Data.Length), Is.All.LessThanOrEqualTo(DockerLogDemultiplexer.MaxChunkBytes), $"reads of {readSize}");
            Assert.That(middle.SelectMany(frame => frame.Data).SequenceEqual(big), Is.True, $"reads of {readSize}: payload intact");
        }
    }

    [Test]
    public void Should_throw_when_the_stream_ends_inside_a_frame()
    {
        var bytes = Encode(Out("hello\n"));
        Assert.ThrowsAsync<EndOfStreamException>(() =>
            DockerLogDemultiplexer.CopyAsync(new MemoryStream(bytes[..^2]), new FrameRecorder().OnOutput, CancellationToken.None));
    }

    [Test]
    public void Should_reject_raw_tty_output()
    {
        var bytes = "hello from a tty\n"u8.ToArray();
        Assert.ThrowsAsync<InvalidDataException>(() =>
            DockerLogDemultiplexer.CopyAsync(new MemoryStream(bytes), new FrameRecorder().OnOutput, CancellationToken.None));
    }

    [Test]
    public void Should_surface_a_daemon_error_frame_as_an_engine_error()
    {
        var bytes = Encode(Out("partial\n"), (3, "error from daemon in stream: log file rotated\n"u8.ToArray()));
        var error = Assert.ThrowsAsync<DockerEngineException>(() =>
            DockerLogDemultiplexer.CopyAsync(new MemoryStream(bytes), new FrameRecorder().OnOutput, CancellationToken.None));
        Assert.That(error!.EngineMessage, Is.EqualTo("error from daemon in stream: log file rotated"));
    }
}
