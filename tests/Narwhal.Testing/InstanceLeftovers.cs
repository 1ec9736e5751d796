using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
namespace Narwhal.Testing;

/// <summary>
/// What a stack (of a test, the benchmark or the chaos suite) left in Docker, e.g. a Runner killed mid-run: containers and networks labelled
/// with its own instance name (never another instance's, so other engineers' stacks are safe).
/// </summary>
public static class InstanceLeftovers
{
    /// <summary>Removes every container and network labelled <c>org.narwhal.instance=<paramref name="instance"/></c>; what was removed.</summary>
    public static async Task<List<string>> RemoveAsync(string instance, Action<string> say)
    {
        var removed = new List<string>();
        try
        {
            using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var labels = new Dictionary<string, string> { [RunLabels.Instance] = instance };
            foreach (var container in await engine.ListContainersAsync(labels, timeout.Token))
            {
                removed.Add($"container {container.Id[..12]} ({container.State})");
                await engine.RemoveAsync(container.Id, timeout.Token);
            }
            foreach (var network in await engine.ListNetworksAsync(labels, timeout.Token))
            {
                removed.Add($"network {network.Name}");
                await engine.RemoveNetworkAsync(network.Id, timeout.Token);
            }
        }
        catch (Exception ex)
        {
            say($"warning: could not list/remove leftovers of instance {instance}: {ex.Message}");
            removed.Add($"cleanup failed: {ex.Message}");
        }
        return removed;
    }
}
