using System.Diagnostics;
using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>The lifecycle against the real engine: output arrives on the right stream, in order, completely.</summary>
[TestFixture]
public sealed class When_a_container_runs_a_command : DockerEngineTestBase
{
    [Test]
    public async Task Should_deliver_each_line_on_its_stream_and_return_the_exit_code()
    {
        var (output, exitCode) = await RunAsync(Shell("echo hello; echo oops >&2; exit 3"));

        // Docker reads stdout and stderr through separate pipes and does not keep their relative
        // order (even `docker logs` swaps these two lines about one run in three): each line must
        // be on its stream, the order between the streams is the engine's.
        Assert.That(output.Texts, Is.EquivalentTo(new[] { (LogStream.Stdout, "hello\n"), (LogStream.Stderr, "oops\n") }));
        Assert.That(exitCode, Is.EqualTo(3));
    }

    [Test]
    public async Task Should_keep_the_order_of_lines_within_each_stream()
    {
        var (output, exitCode) = await RunAsync(Shell(
            "i=0; while [ $i -lt 500 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done"));

        string Joined(LogStream stream) => string.Concat(output.Texts.Where(frame => frame.Stream == stream).Select(frame => frame.Text));
        Assert.That(Joined(LogStream.Stdout), Is.EqualTo(string.Concat(Enumerable.Range(0, 500).Select(i => $"out{i}\n"))));
        Assert.That(Joined(LogStream.Stderr), Is.EqualTo(string.Concat(Enumerable.Range(0, 500).Select(i => $"err{i}\n"))));
        Assert.That(exitCode, Is.Zero);
    }

    [Test, NonParallelizable] // measures the process's heap: nothing else may run meanwhile
    public async Task Should_stream_20_MiB_of_output_without_holding_it_in_memory()
    {
        const long size = 20L * 1024 * 1024;
        const long sampleEvery = 4L * 1024 * 1024;
        var id = await Engine.CreateContainerAsync(
            Shell($"yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstu | head -c {size}"), Deadline);
        try
        {
            await Engine.StartContainerAsync(id, Deadline);
            long stdout = 0, stderr = 0, largestFrame = 0, nextSample = sampleEvery, largestGrowth = 0;
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            await Engine.StreamLogsAsync(id, (frame, _) =>
            {
                if (frame.Stream == LogStream.Stdout) stdout += frame.Data.Length; else stderr += frame.Data.Length;
                largestFrame = Math.Max(largestFrame, frame.Data.Length);
                if (stdout >= nextSample)
                {
                    // What stays reachable after a full collection is what the client holds.
                    largestGrowth = Math.Max(largestGrowth, GC.GetTotalMemory(forceFullCollection: true) - heapBefore);
                    nextSample += sampleEvery;
                }
                return ValueTask.CompletedTask;
            }, Deadline);
            TestContext.Out.WriteLine($"streamed {stdout} bytes, largest frame {largestFrame} bytes, largest heap growth {largestGrowth / 1024} KiB");

            Assert.That(stdout, Is.EqualTo(size));
            Assert.That(stderr, Is.Zero);
            Assert.That(largestFrame, Is.LessThanOrEqualTo(DockerLogReader.MaxChunkBytes));
            Assert.That(largestGrowth, Is.LessThan(size / 4), "heap growth while streaming, bytes");
            Assert.That(await Engine.WaitAsync(id, Deadline), Is.Zero);
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }

    [Test]
    public async Task Should_run_with_only_the_minimal_capabilities_and_no_new_privileges()
    {
        var (output, exitCode) = await RunAsync(Shell("grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status"));

        var status = string.Concat(output.Texts.Select(frame => frame.Text));
        // CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7, NET_BIND_SERVICE 10 → 0x4fb.
        Assert.That(status, Does.Match(@"CapEff:\s+00000000000004fb"));
        Assert.That(status, Does.Match(@"CapBnd:\s+00000000000004fb"));
        Assert.That(status, Does.Match(@"NoNewPrivs:\s+1"));
        Assert.That(exitCode, Is.Zero);
    }

    [Test]
    public async Task Should_go_from_create_to_exit_code_in_about_a_second()
    {
        var createToExit = new List<double>();
        var remove = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var id = await Engine.CreateContainerAsync(Shell("true"), Deadline);
            await Engine.StartContainerAsync(id, Deadline);
            await Engine.StreamLogsAsync(id, (_, _) => ValueTask.CompletedTask, Deadline);
            var exitCode = await Engine.WaitAsync(id, Deadline);
            createToExit.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            await Engine.RemoveAsync(id, Deadline);
            remove.Add(clock.Elapsed.TotalMilliseconds);
            Assert.That(exitCode, Is.Zero);
        }
        TestContext.Out.WriteLine($"create→start→logs→wait of a trivial container: {string.Join(", ", createToExit.Select(ms => $"{ms:0} ms"))}; " +
                                  $"remove: {string.Join(", ", remove.Select(ms => $"{ms:0} ms"))}");
        createToExit.Sort();
        Assert.That(createToExit[createToExit.Count / 2], Is.LessThan(10_000), "median create→exit code, ms (generous: a loaded 2-core machine is slow)");
    }
}
