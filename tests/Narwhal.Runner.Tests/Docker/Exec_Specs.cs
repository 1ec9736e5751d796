using System.Net;
using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Exec is how a sidecar's readiness is checked: the exit code is the answer, whatever the command prints.</summary>
[TestFixture]
public sealed class When_a_command_is_executed_in_a_running_container : DockerEngineTestBase
{
    private string _container = null!;

    [SetUp]
    public async Task StartASleepingContainer()
    {
        _container = await Engine.CreateContainerAsync(Shell("sleep 300"), Deadline);
        await Engine.StartContainerAsync(_container, Deadline);
    }

    [TearDown]
    public async Task RemoveTheContainer() => await Engine.RemoveAsync(_container, CancellationToken.None);

    [Test]
    public async Task Should_return_the_exit_codes_0_and_3()
    {
        Assert.That(await Engine.ExecAsync(_container, ["true"], Deadline), Is.Zero);
        Assert.That(await Engine.ExecAsync(_container, ["sh", "-c", "echo not ready; echo really >&2; exit 3"], Deadline), Is.EqualTo(3));
    }

    [Test]
    public async Task Should_read_through_a_lot_of_output_and_still_return_the_exit_code()
    {
        Assert.That(await Engine.ExecAsync(_container, ["sh", "-c", "yes 0123456789 | head -c 5000000; exit 4"], Deadline), Is.EqualTo(4));
    }

    [Test]
    public async Task Should_return_126_for_a_command_the_engine_cannot_start_and_127_from_a_shell()
    {
        Assert.That(await Engine.ExecAsync(_container, ["/no/such/command"], Deadline), Is.EqualTo(126));
        Assert.That(await Engine.ExecAsync(_container, ["sh", "-c", "no-such-command"], Deadline), Is.EqualTo(127));
    }

    [Test]
    public async Task Should_throw_for_a_container_that_is_not_running()
    {
        var created = await Engine.CreateContainerAsync(Shell("true"), Deadline);
        try
        {
            var error = Assert.ThrowsAsync<DockerEngineException>(() => Engine.ExecAsync(created, ["true"], Deadline));

            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(error.Operation, Is.EqualTo(DockerOperations.CreateExec));
        }
        finally
        {
            await Engine.RemoveAsync(created, CancellationToken.None);
        }
    }
}
