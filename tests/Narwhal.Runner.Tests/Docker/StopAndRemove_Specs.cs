using System.Diagnostics;
using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Stop and remove are the cleanup paths: they must be prompt and never fail on a container that is already down or gone.</summary>
[TestFixture]
public sealed class When_a_container_is_stopped_or_removed : DockerEngineTestBase
{
    [Test]
    public async Task Should_stop_a_sleeping_container_after_the_grace_and_report_a_signal_exit()
    {
        var id = await Engine.CreateContainerAsync(Shell("sleep 300"), Deadline);
        try
        {
            await Engine.StartContainerAsync(id, Deadline);
            var clock = Stopwatch.StartNew();
            await Engine.StopAsync(id, TimeSpan.FromSeconds(1), Deadline);
            var exitCode = await Engine.WaitAsync(id, Deadline);
            TestContext.Out.WriteLine($"stop + wait took {clock.ElapsedMilliseconds} ms, exit code {exitCode}");

            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
            Assert.That(exitCode, Is.AnyOf(137L, 143L));
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }

    [Test]
    public async Task Should_accept_remove_twice_on_a_container_that_never_started()
    {
        var id = await Engine.CreateContainerAsync(Shell("true"), Deadline);

        await Engine.RemoveAsync(id, Deadline);
        await Engine.RemoveAsync(id, Deadline);

        Assert.That(await Engine.ListContainersAsync(TestLabels, Deadline), Is.Empty);
    }

    [Test]
    public async Task Should_accept_stop_on_a_container_that_exited_never_started_or_is_gone()
    {
        var exited = await Engine.CreateContainerAsync(Shell("true"), Deadline);
        var neverStarted = await Engine.CreateContainerAsync(Shell("true"), Deadline);
        try
        {
            await Engine.StartContainerAsync(exited, Deadline);
            Assert.That(await Engine.WaitAsync(exited, Deadline), Is.Zero);

            await Engine.StopAsync(exited, TimeSpan.FromSeconds(1), Deadline);
            await Engine.StopAsync(neverStarted, TimeSpan.FromSeconds(1), Deadline);
        }
        finally
        {
            await Engine.RemoveAsync(exited, CancellationToken.None);
            await Engine.RemoveAsync(neverStarted, CancellationToken.None);
        }
        await Engine.StopAsync(exited, TimeSpan.FromSeconds(1), Deadline);
    }

    [Test]
    public async Task Should_stop_following_logs_and_waiting_when_the_token_is_cancelled()
    {
        var id = await Engine.CreateContainerAsync(Shell("echo started; sleep 300"), Deadline);
        try
        {
            await Engine.StartContainerAsync(id, Deadline);
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
            var output = new FrameRecorder();
            var clock = Stopwatch.StartNew();

            // Cancel as soon as the first line arrives: the follow must end without the container exiting.
            Assert.That(async () => await Engine.StreamLogsAsync(id, async (frame, ct) =>
            {
                await output.OnOutput(frame, ct);
                await abort.CancelAsync();
            }, abort.Token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(async () => await Engine.WaitAsync(id, abort.Token), Throws.InstanceOf<OperationCanceledException>());

            Assert.That(output.Texts, Is.EqualTo(new[] { (LogStream.Stdout, "started\n") }));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
    }

    [Test]
    public void Should_report_an_engine_error_when_starting_a_container_that_does_not_exist()
    {
        var error = Assert.ThrowsAsync<DockerEngineException>(() => Engine.StartContainerAsync($"{Instance}-nope", Deadline));

        Assert.That(error!.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NotFound));
        Assert.That(error.Operation, Is.EqualTo(DockerOperations.StartContainer));
        Assert.That(error.EngineMessage, Does.Contain("No such container"));
    }
}
