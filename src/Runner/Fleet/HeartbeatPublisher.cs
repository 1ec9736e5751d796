using System.Reflection;
using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Intake;
using RabbitMQ.Client;

namespace Narwhal.Runner.Fleet;

/// <summary>
/// Every NARWHAL_HEARTBEAT_INTERVAL_SECONDS: checks the database for a drain request of this Runner,
/// then publishes a <see cref="RunnerHeartbeat"/> to the heartbeat exchange. A failure (broker or
/// database away) is logged once per streak and the next tick tries again; it never stops the Runner.
/// Registered before the intake, so it is stopped after it: heartbeats (draining) go on while a
/// stopping Runner waits for its running runs, and a last one is sent on the way out.
/// </summary>
public sealed class HeartbeatPublisher(
    BrokerConnection broker, DrainRequestStore drainRequests, RunnerDrain drain, RunnerCapacity capacity, RunSupervisor supervisor, RunClaimer claimer,
    CpuMonitor cpu, RunIntake intake, RunnerSettings settings, TimeProvider time, ILogger<HeartbeatPublisher> logger) : BackgroundService
{
    private static readonly string Version = typeof(HeartbeatPublisher).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private readonly SemaphoreSlim _publishing = new(1, 1);
    private IChannel? _channel;
    private long _sequence;
    private bool _publishFailing;
    private bool _drainCheckFailing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.HeartbeatInterval);
        do
        {
            await CheckDrainRequestAsync(stoppingToken);
            await PublishAsync(stoppingToken);
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task CheckDrainRequestAsync(CancellationToken ct)
    {
        if (drain.Requested) return;
        try
        {
            if (await drainRequests.PendingAsync(ct) is { } request) drain.Request(request.RequestedBy, "database");
            if (_drainCheckFailing) logger.LogInformation("Checking for a drain request works again");
            _drainCheckFailing = false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (!_drainCheckFailing) logger.LogWarning(ex, "Checking the database for a drain request failed; retrying at every heartbeat");
            _drainCheckFailing = true;
        }
    }

    public RunnerHeartbeat Snapshot()
    {
        var memory = HostMemory.Read();
        return new RunnerHeartbeat
        {
            RunnerId = settings.RunnerId,
            Host = Environment.MachineName,
            Version = Version,
            Classes = settings.ResourceClasses,
            Slots = settings.Slots,
            // Runs whose claim is still being sorted out count too: not lost while this Runner lives.
            RunningRunIds = supervisor.RunningRunIds.Union(claimer.UnsettledRunIds).ToList(),
            CpuPercent = Math.Round(cpu.Percent, 1),
            MemoryUsedBytes = memory.UsedBytes,
            MemoryTotalBytes = memory.TotalBytes,
            Quota = capacity.Quota,
            Draining = drain.IsDraining,
            Paused = intake.PausedReason,
            Sequence = Interlocked.Increment(ref _sequence),
            // On the database's clock: the Dispatcher judges silence by it.
            SentAt = time.GetUtcNow() + drainRequests.ClockOffset,
        };
    }

    private async Task PublishAsync(CancellationToken ct)
    {
        await _publishing.WaitAsync(ct);
        try
        {
            _channel ??= await OpenChannelAsync(ct);
            await FleetTopology.PublishHeartbeatAsync(_channel, Snapshot(), ct);
            if (_publishFailing) logger.LogInformation("Publishing heartbeats works again");
            _publishFailing = false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (!_publishFailing) logger.LogWarning(ex, "Publishing a heartbeat failed; retrying at every interval");
            _publishFailing = true;
            await DropChannelAsync();
        }
        finally
        {
            _publishing.Release();
        }
    }

    private async Task<IChannel> OpenChannelAsync(CancellationToken ct)
    {
        var connection = await broker.GetAsync(ct);
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await FleetTopology.DeclareExchangeAsync(channel, ct);
        return channel;
    }

    private async Task DropChannelAsync()
    {
        var channel = _channel;
        _channel = null;
        if (channel is null) return;
        try { await channel.DisposeAsync(); } catch (Exception ex) { logger.LogDebug(ex, "Disposing the heartbeat channel failed"); }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The last word: draining, nothing running (the intake has stopped before this service).
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await PublishAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            logger.LogDebug("The last heartbeat was not sent in time");
        }
        await DropChannelAsync();
    }
}
