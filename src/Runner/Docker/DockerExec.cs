using Docker.DotNet;
using Docker.DotNet.Models;

namespace Narwhal.Runner.Docker;

/// <summary>A command run inside a running container (a sidecar's readiness check), to its exit code.</summary>
internal sealed class DockerExec(DockerClient client)
{
    /// <summary>
    /// How long after its output ended the engine may still report an exec as running: the exit
    /// code is recorded from containerd's exit event, which can arrive just after the stream closes.
    /// </summary>
    private static readonly TimeSpan ExecExitGrace = TimeSpan.FromSeconds(10);

    private readonly DockerClient _client = client;

    public async Task<long> RunAsync(string containerId, IReadOnlyList<string> command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0) throw new ArgumentException("The command must not be empty.", nameof(command));

        var created = await DockerEngine.CallAsync(DockerOperations.CreateExec, DockerEngine.RequestTimeout, token => _client.Exec.CreateContainerExecAsync(DockerEngine.Id(containerId),
            new ContainerExecCreateParameters { Cmd = [.. command], AttachStdin = false, AttachStdout = true, AttachStderr = true, TTY = false }, token), ct);

        // Attached: the engine ends the output when the process exits. Read and discarded; no timeout besides the token.
        using (var output = await DockerEngine.CallAsync(DockerOperations.StartExec, Timeout.InfiniteTimeSpan,
                   token => _client.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters { Detach = false, TTY = false }, token), ct))
        {
            await output.CopyOutputToAsync(Stream.Null, Stream.Null, Stream.Null, ct);
        }

        var deadline = DateTime.UtcNow + ExecExitGrace;
        while (true)
        {
            var answer = await DockerEngine.CallAsync(DockerOperations.InspectExec, DockerEngine.RequestTimeout, token => _client.Exec.InspectContainerExecAsync(created.ID, token), ct);
            if (!answer.Running && answer.ExitCode is { } exitCode) return exitCode;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Exec {created.ID} ended its output but the engine reported no exit code within {ExecExitGrace.TotalSeconds:0} s.");
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }
}
