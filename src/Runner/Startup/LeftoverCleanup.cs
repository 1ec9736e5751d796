using Narwhal.Core.Configuration;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;

namespace Narwhal.Runner.Startup;

/// <summary>
/// At start, removes containers and networks an earlier life of this Runner left behind (a crash, a SIGKILL).
/// Only objects labelled with this instance AND this Runner id: other stacks and other Runners
/// sharing the Docker engine are never touched.
/// </summary>
public sealed class LeftoverCleanup(IContainerEngine engine, InstanceSettings instance, RunnerSettings settings, ILogger<LeftoverCleanup> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken ct)
    {
        var mine = new Dictionary<string, string>
        {
            [RunLabels.Instance] = instance.Name,
            [RunLabels.RunnerId] = settings.RunnerId,
        };
        var leftovers = await engine.ListContainersAsync(mine, ct);
        foreach (var container in leftovers)
        {
            logger.LogWarning("Removing leftover container {Container} of run {RunId}", container.Id[..12],
                container.Labels.GetValueOrDefault(RunLabels.RunId));
            await engine.RemoveAsync(container.Id, ct);
        }
        // Networks after their containers: Docker refuses to remove a network in use.
        foreach (var network in await engine.ListNetworksAsync(mine, ct))
        {
            logger.LogWarning("Removing leftover network {Network}", network.Name);
            await engine.RemoveNetworkAsync(network.Id, ct);
        }
        Directory.CreateDirectory(settings.WorkDirectory);
        foreach (var file in Directory.EnumerateFiles(settings.WorkDirectory, "*.log"))
            File.Delete(file);
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
