using System.Diagnostics;
using Narwhal.Core.Configuration;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Docker;

namespace Narwhal.Runner.Execution;

/// <summary>
/// A run's private Docker network and its sidecar services. The job reaches each service by its
/// name (a network alias); no port is published on the host, so parallel runs never collide.
/// Disposing removes the services, then the network (Docker refuses to remove a network in use).
/// </summary>
public sealed class RunNetwork : IAsyncDisposable
{
    private readonly IContainerEngine _engine;
    private readonly TimeSpan _engineCallTimeout;
    private readonly ILogger _logger;
    private readonly List<string> _services = [];

    private RunNetwork(IContainerEngine engine, string name, TimeSpan engineCallTimeout, ILogger logger)
    {
        _engine = engine;
        _engineCallTimeout = engineCallTimeout;
        Name = name;
        _logger = logger;
    }

    public string Name { get; }

    public static async Task<RunNetwork> CreateAsync(IContainerEngine engine, InstanceSettings instance, ClaimedRun claimed,
        IReadOnlyDictionary<string, string> labels, TimeSpan engineCallTimeout, ILogger logger, CancellationToken ct)
    {
        var name = $"narwhal-{instance.Name}-{claimed.Run.Id:N}-{claimed.Run.Attempt}";
        ct.ThrowIfCancellationRequested();
        // Not cancelled by an abort: a request cut off mid-way could leave a network the engine made
        // after all. A quick call, bounded on its own; the abort is seen at the run's next step,
        // which is inside the block that removes this network again.
        using var bounded = new CancellationTokenSource(engineCallTimeout);
        try
        {
            await engine.CreateNetworkAsync(name, labels, internalOnly: false, bounded.Token);
        }
        catch (Exception)
        {
            // Failed, perhaps after the engine made it: nothing of the run may stay.
            await RemoveLeftAsync(engine, name, engineCallTimeout, logger);
            throw;
        }
        return new RunNetwork(engine, name, engineCallTimeout, logger);
    }

    /// <summary>Starts a service and waits until its readiness command succeeds (or its deadline passes).</summary>
    public async Task StartServiceAsync(ServicePlan service, string image, ContainerSpec template, LogSpool log, CancellationToken ct)
    {
        var spec = template with
        {
            Name = $"{Name}-{service.Name}",
            Image = image,
            Command = service.Command ?? [],
            Entrypoint = null,
            Environment = service.Environment,
            NetworkMode = Name,
            NetworkAliases = [service.Name],
            Hostname = service.Name,
            WorkingDirectory = null,
            User = null,
        };
        var id = await _engine.CreateContainerAsync(spec, ct);
        _services.Add(id);
        await _engine.StartContainerAsync(id, ct);
        if (service.Ready is null)
        {
            await log.WriteNoticeAsync($"Service {service.Name} started ({image}); no readiness check configured");
            return;
        }

        var clock = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var exit = await _engine.ExecAsync(id, ["/bin/sh", "-c", service.Ready], ct);
            if (exit == 0)
            {
                await log.WriteNoticeAsync($"Service {service.Name} ready after {clock.Elapsed.TotalSeconds:0.0} s ({image})");
                return;
            }
            if (clock.Elapsed > service.ReadyTimeout)
                throw new RunRefusedException($"Service '{service.Name}' was not ready within {service.ReadyTimeout.TotalSeconds:0} s " +
                    $"(its readiness command `{service.Ready}` last exited {exit}).");
            // Readiness polling of a service the job waits for: the one place a pause is the point.
            await Task.Delay(pause, ct);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 1.5, 1000));
        }
    }

    private static async Task RemoveLeftAsync(IContainerEngine engine, string name, TimeSpan engineCallTimeout, ILogger logger)
    {
        using var timeout = new CancellationTokenSource(engineCallTimeout);
        try { await engine.RemoveNetworkAsync(name, timeout.Token); }
        catch (Exception ex) { logger.LogDebug(ex, "Network {Network} was not there to remove", name); }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(_engineCallTimeout);
        foreach (var id in _services)
        {
            try { await _engine.RemoveAsync(id, timeout.Token); }
            catch (Exception ex) { _logger.LogError(ex, "Removing service container {Container} failed", id[..12]); }
        }
        try { await _engine.RemoveNetworkAsync(Name, timeout.Token); }
        catch (Exception ex) { _logger.LogError(ex, "Removing network {Network} failed", Name); }
    }
}
