using System.Text.Json;
using Narwhal.Contracts;
using Narwhal.Core.Fleet;
using Narwhal.Core.Messaging;
using Narwhal.Core.Persistence;
using Narwhal.Core.Resilience;
using Polly;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Narwhal.Dispatcher.Fleet;

/// <summary>
/// Consumes <see cref="RunnerHeartbeat"/>s from the Dispatchers' shared queue
/// (<see cref="FleetTopology.HeartbeatQueue"/>; replicas compete) into the runner registry.
/// Every message is acknowledged whatever happens: a malformed one is logged and dropped (never
/// a poison loop), and one that cannot be recorded after a few retries is dropped too (the next
/// heartbeat of that Runner says the same, newer), while <see cref="HeartbeatHealth"/> stops
/// trusting silence until recording works again.
/// </summary>
public sealed class HeartbeatConsumer(
    BrokerConnection broker, RunnerStore runners, HeartbeatHealth health, ILogger<HeartbeatConsumer> logger) : BackgroundService
{
    private readonly ResiliencePipeline _record = NarwhalResilience.CreateRetryPipeline("heartbeat-record", logger, maxRetries: 3);
    private IChannel? _channel;
    // Deliveries are handled one at a time (the client's default dispatch concurrency of 1).
    private bool _recordFailing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connection = await broker.GetAsync(stoppingToken);
        _channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await FleetTopology.DeclareQueueAsync(_channel, stoppingToken);
        await _channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 64, global: false, stoppingToken);

        // The client recovers the connection, channel and consumer by itself after a broker outage;
        // in between nothing is heard.
        _channel.ChannelShutdownAsync += (_, e) =>
        {
            if (!stoppingToken.IsCancellationRequested) health.Deaf($"heartbeat channel closed: {e.ReplyText}");
            return Task.CompletedTask;
        };
        connection.RecoverySucceededAsync += (_, _) =>
        {
            health.Hearing();
            logger.LogInformation("Heartbeat consumer recovered with the broker connection");
            return Task.CompletedTask;
        };

        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) => OnHeartbeatAsync(delivery, stoppingToken);
        await _channel.BasicConsumeAsync(FleetTopology.HeartbeatQueue, autoAck: false, consumer, stoppingToken);
        health.Hearing();
        logger.LogInformation("Consuming Runner heartbeats from {Queue}", FleetTopology.HeartbeatQueue);
    }

    private async Task OnHeartbeatAsync(BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        try
        {
            if (Parse(delivery.Body) is not { } heartbeat) return;
            try
            {
                var outcome = await _record.ExecuteAsync(async ct => await runners.UpsertHeartbeatAsync(heartbeat, ct), stoppingToken);
                health.Hearing();
                if (_recordFailing) logger.LogInformation("Recording heartbeats works again");
                _recordFailing = false;
                Log(heartbeat, outcome);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: the heartbeat is acknowledged and dropped like any other we cannot record.
            }
            catch (Exception ex)
            {
                health.Deaf($"recording a heartbeat failed: {ex.Message}");
                // Once per failure streak (every Runner's heartbeats fail alike while Postgres is away).
                if (!_recordFailing)
                    logger.LogError(ex, "Could not record the heartbeat of Runner {RunnerId}; heartbeats are dropped, and silent Runners are not judged, until recording works again",
                        heartbeat.RunnerId);
                _recordFailing = true;
            }
        }
        finally
        {
            await AckAsync(delivery.DeliveryTag);
        }
    }

    /// <summary>The heartbeat, or null (logged) when the message is not a usable one.</summary>
    private RunnerHeartbeat? Parse(ReadOnlyMemory<byte> body)
    {
        RunnerHeartbeat? heartbeat;
        try
        {
            heartbeat = JsonSerializer.Deserialize<RunnerHeartbeat>(body.Span, Json.Options);
        }
        catch (JsonException ex)
        {
            logger.LogWarning("Dropping a malformed heartbeat ({Bytes} bytes): {Error}", body.Length, ex.Message);
            return null;
        }
        // Non-nullable in the contract, but JSON can still say null.
        var problem = heartbeat switch
        {
            null => "the message is null",
            { RunnerId: null or "" } or { RunnerId.Length: > 200 } => "runnerId is missing or longer than 200 characters",
            { Classes: null } or { RunningRunIds: null } or { Quota: null } or { Host: null } or { Version: null } => "a required field is null",
            { Slots: < 0 } or { Sequence: < 0 } => "slots and sequence cannot be negative",
            _ => null,
        };
        if (problem is null) return heartbeat;
        logger.LogWarning("Dropping a heartbeat of Runner {RunnerId}: {Problem}", heartbeat?.RunnerId, problem);
        return null;
    }

    private void Log(RunnerHeartbeat heartbeat, HeartbeatOutcome outcome)
    {
        switch (outcome)
        {
            case HeartbeatOutcome.Registered:
                logger.LogInformation("Runner {RunnerId} registered: host {Host}, version {Version}, classes {Classes}, {Slots} slot(s)",
                    heartbeat.RunnerId, heartbeat.Host, heartbeat.Version, heartbeat.Classes, heartbeat.Slots);
                break;
            case HeartbeatOutcome.Returned:
                logger.LogWarning("Runner {RunnerId} is back online (heartbeat {Sequence}) after it was marked offline", heartbeat.RunnerId, heartbeat.Sequence);
                break;
            case HeartbeatOutcome.Stale:
                logger.LogDebug("Ignoring an older heartbeat {Sequence} of Runner {RunnerId}", heartbeat.Sequence, heartbeat.RunnerId);
                break;
        }
    }

    private async Task AckAsync(ulong deliveryTag)
    {
        try
        {
            if (_channel is { IsOpen: true }) await _channel.BasicAckAsync(deliveryTag, multiple: false);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException)
        {
            // Closed under us: the broker redelivers it to a consumer; a duplicate heartbeat is harmless.
            logger.LogDebug(ex, "Could not acknowledge a heartbeat");
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_channel is not null)
        {
            try { await _channel.CloseAsync(cancellationToken); } catch (Exception ex) { logger.LogDebug(ex, "Closing the heartbeat channel failed"); }
            await _channel.DisposeAsync();
        }
    }
}
