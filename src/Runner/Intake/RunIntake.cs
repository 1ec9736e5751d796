using System.Text.Json;
using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Core.Persistence;
using Narwhal.Core.Resilience;
using Narwhal.Core.Runs;
using Narwhal.Runner.Execution;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Narwhal.Runner.Intake;

/// <summary>
/// Takes runs from the queues of this Runner's resource classes, only while it has a free slot.
///
/// How no run waits on a busy Runner: each class queue has a consumer with prefetch 1 while a
/// slot is free, and none otherwise. A delivery reserves a slot; if that was the last one, every
/// consumer is cancelled before the message is acknowledged, so the broker has nothing more to
/// push here. A message that arrives on a second class's consumer in that instant finds no slot
/// and is rejected back to the head of its queue for another Runner. When a run ends, its slot
/// frees and the consumers come back: pickup is push-driven, never polled.
///
/// A message is acknowledged right after the run is claimed in Postgres (queued → running, new
/// attempt id), never held for the whole job. A run that is no longer queued (a duplicate
/// message, a redelivery after a claim) is acknowledged and skipped: it never runs twice.
/// </summary>
public sealed class RunIntake(
    BrokerConnection broker, RunnerSettings settings, SlotPool slots, IntakeGate gate, RunAttemptStore attempts,
    RunSupervisor supervisor, ILogger<RunIntake> logger) : BackgroundService
{
    private readonly SemaphoreSlim _subscription = new(1, 1);
    private readonly Dictionary<string, string> _consumerTags = new(StringComparer.Ordinal);
    private IChannel? _channel;
    private volatile bool _stopping;
    private CancellationToken _stoppingToken;

    public bool IsConsuming { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stoppingToken = stoppingToken;
        var connection = await broker.GetAsync(stoppingToken);
        _channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await RabbitConnectionFactory.DeclareRunQueuesAsync(_channel, settings.ResourceClasses, stoppingToken);
        // Per consumer: at most one unacknowledged message each.
        await _channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 1, global: false, stoppingToken);
        logger.LogInformation("Runner {RunnerId} serving {Classes} with {Slots} slot(s)", settings.RunnerId, settings.ResourceClasses, settings.Slots);
        gate.Changed += () => _ = GateChangedAsync();
        await ResumeAsync();
    }

    private async Task ResumeAsync()
    {
        await _subscription.WaitAsync();
        try
        {
            if (_stopping || _channel is null || slots.Free == 0 || !gate.IsOpen) return;
            foreach (var resourceClass in settings.ResourceClasses)
            {
                var queue = RunQueues.QueueName(resourceClass);
                if (_consumerTags.ContainsKey(queue)) continue;
                var consumer = new AsyncEventingBasicConsumer(_channel);
                consumer.ReceivedAsync += OnDeliveryAsync;
                _consumerTags[queue] = await _channel.BasicConsumeAsync(queue, autoAck: false, consumer, CancellationToken.None);
            }
            IsConsuming = true;
        }
        finally
        {
            _subscription.Release();
        }
    }

    private async Task PauseAsync()
    {
        await _subscription.WaitAsync();
        try
        {
            if (_channel is null) return;
            foreach (var (queue, tag) in _consumerTags.ToList())
            {
                // noWait: no round trip from inside a delivery handler. Nothing more can be
                // delivered to this consumer anyway: its one prefetch slot is taken until we ack.
                if (_channel.IsOpen) await _channel.BasicCancelAsync(tag, noWait: true, CancellationToken.None);
                _consumerTags.Remove(queue);
            }
            IsConsuming = false;
        }
        finally
        {
            _subscription.Release();
        }
    }

    private async Task OnDeliveryAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var channel = ((AsyncEventingBasicConsumer)sender).Channel;
        if (_stopping || !gate.IsOpen || !slots.TryReserve())
        {
            await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: true);
            return;
        }
        if (slots.Free == 0) await PauseAsync();

        var handedOver = false;
        try
        {
            handedOver = await ClaimAndStartAsync(channel, delivery);
        }
        catch (Exception ex)
        {
            // Postgres unreachable, say: give the message back for this or another Runner.
            logger.LogError(ex, "Could not claim the delivered run; returning it to the queue");
            await RejectQuietlyAsync(channel, delivery.DeliveryTag, requeue: true);
        }
        finally
        {
            if (!handedOver) await ReleaseSlotAsync();
        }
    }

    private async Task<bool> ClaimAndStartAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        ExecuteRun? message;
        try
        {
            message = JsonSerializer.Deserialize<ExecuteRun>(delivery.Body.Span, Json.Options);
        }
        catch (JsonException ex)
        {
            logger.LogError(ex, "Dropping a malformed message from {Queue}", delivery.RoutingKey);
            await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false);
            return false;
        }

        var pipeline = NarwhalResilience.CreateRetryPipeline("claim", logger, maxRetries: 3);
        var claim = await pipeline.ExecuteAsync(async ct => await attempts.ClaimAsync(message!.RunId, settings.RunnerId, ct), _stoppingToken);
        // The claim is committed: from here the database, not the broker, owns the run. If the ack
        // is lost, the redelivered message finds the run no longer queued and is skipped.
        try
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Acknowledging run {RunId} failed; a redelivery will be skipped", message!.RunId);
        }

        if (claim.Claimed is null)
        {
            logger.LogInformation("Run {RunId} is {Status}, not queued: acknowledged and skipped", message!.RunId,
                claim.FoundStatus?.Name() ?? "unknown");
            return false;
        }
        logger.LogInformation("Claimed run {RunId} ({Job} #{Number}), attempt {Attempt}", claim.Claimed.Run.Id,
            claim.Claimed.Run.JobName, claim.Claimed.Run.Number, claim.Claimed.Run.Attempt);
        supervisor.Start(claim.Claimed, () => _ = ReleaseSlotAsync());
        return true;
    }

    private async Task GateChangedAsync()
    {
        try
        {
            if (gate.IsOpen) await ResumeAsync();
            else await PauseAsync();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not apply the intake gate's change");
        }
    }

    private async Task ReleaseSlotAsync()
    {
        slots.Release();
        try
        {
            await ResumeAsync();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not resume consuming after a slot freed");
        }
    }

    private async Task RejectQuietlyAsync(IChannel channel, ulong tag, bool requeue)
    {
        try { await channel.BasicRejectAsync(tag, requeue); }
        catch (Exception ex) { logger.LogWarning(ex, "Reject failed; the broker redelivers the message when the channel closes"); }
    }

    /// <summary>SIGTERM: stop taking runs, let running ones finish within the grace, then stop them.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await PauseAsync();
        logger.LogInformation("Runner {RunnerId} stopped taking runs", settings.RunnerId);
        await supervisor.ShutdownAsync(settings.ShutdownGrace);
        await base.StopAsync(cancellationToken);
        if (_channel is not null)
        {
            try { await _channel.CloseAsync(); } catch (Exception ex) { logger.LogDebug(ex, "Closing the intake channel failed"); }
        }
    }
}
