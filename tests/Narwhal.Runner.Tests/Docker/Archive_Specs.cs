using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Pipelines;
using System.Net;
using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>
/// Files go into a created container as a tar (keeping the owners it carries) and come out of it
/// as a tar; a missing path is null, a missing container an error; big archives are streamed.
/// </summary>
[TestFixture]
public sealed class When_files_are_copied_into_and_out_of_a_container : DockerEngineTestBase
{
    [Test]
    public async Task Should_put_a_tar_into_a_created_container_keeping_its_owners()
    {
        using var tar = new TarBuilder()
            .Directory("src", uid: 1000, gid: 1000)
            .File("src/main.c", "int main(void) { return 0; }\n", uid: 1000, gid: 1000)
            .File("build.sh", "#!/bin/sh\necho building as $(id -u)\n", uid: 1000, gid: 1000, executable: true)
            .Build();
        var id = await Engine.CreateContainerAsync(
            Shell("ls -ln /workspace /workspace/src | grep -v total; cat src/main.c; ./build.sh") with { WorkingDirectory = "/workspace" },
            Deadline);
        try
        {
            await Engine.PutArchiveAsync(id, "/workspace", tar, Deadline);
            await Engine.StartContainerAsync(id, Deadline);
            var output = new FrameRecorder();
            await Engine.StreamLogsAsync(id, output.OnOutput, Deadline);
            var exitCode = await Engine.WaitAsync(id, Deadline);

            var lines = string.Concat(output.Texts.Select(frame => frame.Text)).Split('\n');
            TestContext.Out.WriteLine(string.Join('\n', lines));
            Assert.That(exitCode, Is.Zero);
            Assert.That(lines, Has.Some.Match(@"^-rwxr-xr-x\s+1\s+1000\s+1000\s+.*build\.sh$"));
            Assert.That(lines, Has.Some.Match(@"^drwxr-xr-x\s+\d+\s+1000\s+1000\s+.*src$"));
            Assert.That(lines, Has.Some.Match(@"^-rw-r--r--\s+1\s+1000\s+1000\s+.*main\.c$"));
            Assert.That(lines, Does.Contain("int main(void) { return 0; }"));
            Assert.That(lines, Does.Contain("building as 0"));
            Assert.That(tar.Position, Is.EqualTo(tar.Length), "the whole tar was sent");
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }

    [Test]
    public async Task Should_get_a_produced_file_and_directory_back_as_tars()
    {
        var id = await Engine.CreateContainerAsync(
            Shell("echo produced > out.txt && mkdir -p dist && echo a > dist/a.txt && chown -R 1000:1000 dist") with { WorkingDirectory = "/workspace" },
            Deadline);
        try
        {
            await Engine.StartContainerAsync(id, Deadline);
            Assert.That(await Engine.WaitAsync(id, Deadline), Is.Zero);

            List<TarItem> file, directory;
            await using (var archive = await Engine.GetArchiveAsync(id, "/workspace/out.txt", Deadline))
                file = await TarContents.ReadAsync(archive!, Deadline);
            await using (var archive = await Engine.GetArchiveAsync(id, "/workspace/dist", Deadline))
                directory = await TarContents.ReadAsync(archive!, Deadline);

            Assert.That(file, Is.EqualTo(new[] { new TarItem("out.txt", TarEntryType.RegularFile, "produced\n", 0) }));
            Assert.That(directory.Select(item => (item.Name, item.Type, item.Text, item.Uid)), Is.EqualTo(new[]
            {
                ("dist/", TarEntryType.Directory, "", 1000),
                ("dist/a.txt", TarEntryType.RegularFile, "a\n", 1000),
            }));
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }

    [Test]
    public async Task Should_return_null_for_a_missing_path_and_throw_for_a_missing_container()
    {
        var id = await Engine.CreateContainerAsync(Shell("true"), Deadline);
        try
        {
            Assert.That(await Engine.GetArchiveAsync(id, "/no/such/path", Deadline), Is.Null);

            var get = Assert.ThrowsAsync<DockerEngineException>(() => Engine.GetArchiveAsync($"{Instance}-nope", "/etc", Deadline));
            using var tar = new TarBuilder().File("a.txt", "a").Build();
            var put = Assert.ThrowsAsync<DockerEngineException>(() => Engine.PutArchiveAsync($"{Instance}-nope", "/tmp", tar, Deadline));
            tar.Position = 0;
            var putMissingDirectory = Assert.ThrowsAsync<DockerEngineException>(() => Engine.PutArchiveAsync(id, "/no/such/dir", tar, Deadline));

            Assert.Multiple(() =>
            {
                Assert.That(get!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
                Assert.That(get.Operation, Is.EqualTo(DockerOperations.GetArchive));
                Assert.That(put!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
                Assert.That(put.Operation, Is.EqualTo(DockerOperations.PutArchive));
                Assert.That(putMissingDirectory!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            });
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }

    [Test, NonParallelizable] // measures the process's heap: nothing else may run meanwhile
    public async Task Should_stream_a_64_MiB_archive_of_unknown_length_without_holding_it_in_memory()
    {
        const long size = 64L * 1024 * 1024;
        var id = await Engine.CreateContainerAsync(Shell("wc -c < /workspace/big.bin") with { WorkingDirectory = "/workspace" }, Deadline);
        try
        {
            // The tar is produced while it is sent, through a pipe: no length known, nothing buffered beyond the pipe.
            var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024));
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var data = new PatternStream(size, sampleEvery: 16L * 1024 * 1024);
            var producer = Task.Run(async () =>
            {
                await using (var writer = new TarWriter(pipe.Writer.AsStream(), TarEntryFormat.Pax, leaveOpen: false))
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "big.bin") { DataStream = data }, Deadline);
            }, Deadline);

            var clock = Stopwatch.StartNew();
            await Engine.PutArchiveAsync(id, "/workspace", pipe.Reader.AsStream(), Deadline);
            await producer;
            var elapsed = clock.Elapsed;
            var largestGrowth = data.HeapSamples.Max() - heapBefore;
            TestContext.Out.WriteLine($"put {size / 1024 / 1024} MiB in {elapsed.TotalMilliseconds:0} ms, largest heap growth {largestGrowth / 1024} KiB");

            await Engine.StartContainerAsync(id, Deadline);
            var output = new FrameRecorder();
            await Engine.StreamLogsAsync(id, output.OnOutput, Deadline);
            Assert.That(await Engine.WaitAsync(id, Deadline), Is.Zero);
            Assert.That(string.Concat(output.Texts.Select(frame => frame.Text)).Trim(), Is.EqualTo(size.ToString()));
            Assert.That(largestGrowth, Is.LessThan(size / 4), "heap growth while putting, bytes");
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }

    /// <summary>
    /// A readable stream of a given length made up on the fly (seekable only so that TarWriter knows
    /// the entry's size); samples the heap after a full collection every <c>sampleEvery</c> bytes read.
    /// </summary>
    private sealed class PatternStream(long length, long sampleEvery) : Stream
    {
        private long _position;
        private long _nextSample;

        public List<long> HeapSamples { get; } = [];

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - _position);
            for (var i = 0; i < count; i++) buffer[i] = (byte)('a' + (_position + i) % 26);
            _position += count;
            if (_position - _nextSample >= sampleEvery)
            {
                HeapSamples.Add(GC.GetTotalMemory(forceFullCollection: true));
                _nextSample = _position;
            }
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
