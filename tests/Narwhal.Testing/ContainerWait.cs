using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;

namespace Narwhal.Testing;

public static class ContainerWait
{
    /// <summary>
    /// Until a container of the run is running: a claimed run ("running" in the API) may still be
    /// checking its image or creating its container, and a test that stops it then sees no output.
    /// </summary>
    public static async Task UntilRunningAsync(string runId)
    {
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        await Eventually.UntilAsync(
            () => engine.ListContainersAsync(new Dictionary<string, string> { [RunLabels.RunId] = runId }, CancellationToken.None),
            list => list.Any(c => c.State == "running"), $"a container of run {runId} to be running");
    }
}
