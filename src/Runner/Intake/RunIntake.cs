using System.Threading.Channels;
using Narwhal.Core.Messaging;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Execution;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Narwhal.Runner.Intake;

/// <summary>
/// Takes runs from the queues of this Runner's resource classes, only while it is able to run them.
///
/// A class is <em>allowed</em> while the gate is open (disk, CPU, drain), a slot is free and the free
/// quota covers the class's cost. Allowed classes have a consumer with prefetch 1; others have none.
/// A delivery reserves a slot and the class's cost; every consumer that reservation leaves not
/// allowed is cancelled before the message is acknowledged, so the broker has nothing more to push
/// here that could not be taken. A message that arrives on another consumer in that instant finds
/// no capacity and is rejected back to its queue for another Runner. When capacity frees (a run
/// ends) or the gate opens, the Runner first takes the backlog in its order of preference (a
/// basic.get sweep of the allowed queues, most preferred first), then opens consumers on every
/// allowed queue: what arrives next is pushed at once, never polled.
///
/// A message is acknowledged right after the run is claimed in Postgres (queued → running, one
/// attempt id per run taken), never held for the whole job; <see cref="RunTaker"/> does that with
/// <see cref="RunClaimer"/>. A run that is no longer queued (a duplicate message, a redelivery
/// after a claim) is acknowledged and skipped: it never runs twice.
/// </summary>
public sealed class RunIntake(
    BrokerConnection broker, RunnerSettings settings, RunnerCapacity capacity, IntakeGate gate, RunTaker taker, IntakeStatus status,
    RunSupervisor supervisor, ILogger<RunIntake> logger) : BackgroundService
{
    /// <summary>A safety net only (a failed adjustment is retried); changes are applied when they happen.</summary>
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _subscription = new(1, 1);
    private readonly Dictionary<string, string> _consumerTags = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private IChannel? _channel;
    private volatile bool _stopping;
    private CancellationToken _stoppingToken;

    public bool IsConsuming { get; private set; }

    /// <summary>Connected to the broker with the run queues declared.</summary>
    public bool IsStarted => _channel is not null;

    private bool Accepting => !_stopping && gate.IsOpen;

    /// <inheritdoc cref="IntakeStatus.PausedReason"/>
    public string? PausedReason => status.PausedReason(_stopping);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stoppingToken = stoppingToken;
        var connection = await broker.GetAsync(stoppingToken);
        var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await RabbitConnectionFactory.DeclareRunQueuesAsync(channel, settings.ResourceClasses, stoppingToken);
        // Per consumer: at most one unacknowledged message each.
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 1, global: false, stoppingToken);
        _channel = channel;
        logger.LogInformation("Runner {RunnerId} serving {Classes} (in that order of preference) with {Slots} slot(s) and a quota of {Cpu} CPU / {Memory} MB",
            settings.RunnerId, settings.ResourceClasses, settings.Slots, settings.QuotaCpu, settings.QuotaMemoryMb);
        foreach (var resourceClass in settings.ResourceClasses.Where(capacity.NeverFits))
            logger.LogWarning("A run of class {Class} costs {Cost}, more than this Runner's whole quota: it never takes one",
                resourceClass, capacity.CostOf(resourceClass));
        gate.Changed += Wake;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Adjusting the intake failed; retrying within {Seconds} s", RecheckInterval.TotalSeconds);
            }
            await WaitForWakeAsync(stoppingToken);
        }
    }

    /// <summary>Something changed (capacity, gate): adjust the consumers. Coalesced; never blocks.</summary>
    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task WaitForWakeAsync(CancellationToken ct)
    {
        using var recheck = CancellationTokenSource.CreateLinkedTokenSource(ct);
        recheck.CancelAfter(RecheckInterval);
        try
        {
            await _wake.Reader.ReadAsync(recheck.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>The classes a run could be taken of now, most preferred first.</summary>
    private List<string> Allowed() => Accepting ? settings.ResourceClasses.Where(capacity.CanTake).ToList() : [];

    private async Task ReconcileAsync(CancellationToken ct)
    {
        await _subscription.WaitAsync(ct);
        try
        {
            if (_channel is not { } channel) return;
            await CloseDisallowedAsync(channel);
            if (Allowed().Any(c => !_consumerTags.ContainsKey(c)))
            {
                // Backlog first, in order of preference; then consumers for what arrives next.
                await SweepAsync(channel, ct);
                foreach (var resourceClass in Allowed().Where(c => !_consumerTags.ContainsKey(c)))
                    await ConsumeAsync(channel, resourceClass);
                IsConsuming = _consumerTags.Count > 0;
            }
        }
        finally
        {
            _subscription.Release();
        }
        status.Report(_stopping);
    }

    /// <summary>
    /// Takes waiting runs with basic.get from the allowed queues without a consumer, always from the
    /// most preferred queue that has one, until capacity or backlog runs out. Caller holds the subscription lock.
    /// </summary>
    private async Task SweepAsync(IChannel channel, CancellationToken ct)
    {
        var took = true;
        while (took && Accepting)
        {
            took = false;
            foreach (var resourceClass in Allowed())
            {
                if (_consumerTags.ContainsKey(resourceClass)) continue;
                var message = await channel.BasicGetAsync(RunQueues.QueueName(resourceClass), autoAck: false, ct);
                if (message is null) continue;
                if (!Accepting || !capacity.TryReserve(resourceClass))
                {
                    // A consumer's delivery took the capacity in between.
                    await RunTaker.RejectQuietlyAsync(channel, message.DeliveryTag, requeue: true, logger);
                    return;
                }
                await CloseDisallowedAsync(channel);
                await taker.TakeAsync(channel, resourceClass, message.DeliveryTag, message.Body, () => Release(resourceClass), _stoppingToken);
                took = true;
                break;
            }
        }
    }

    private async Task ConsumeAsync(IChannel channel, string resourceClass)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (sender, delivery) => OnDeliveryAsync(resourceClass, (AsyncEventingBasicConsumer)sender, delivery);
        _consumerTags[resourceClass] = await channel.BasicConsumeAsync(RunQueues.QueueName(resourceClass), autoAck: false, consumer, CancellationToken.None);
    }

    /// <summary>Cancels the consumers of classes no longer allowed. Caller holds the subscription lock.</summary>
    private async Task CloseDisallowedAsync(IChannel channel)
    {
        var allowed = Allowed();
        foreach (var (resourceClass, tag) in _consumerTags.Where(c => !allowed.Contains(c.Key)).ToList())
        {
            // noWait: no round trip from inside a delivery handler. Nothing more can be delivered
            // to a consumer whose one prefetch slot holds the message being handled anyway.
            if (channel.IsOpen) await channel.BasicCancelAsync(tag, noWait: true, CancellationToken.None);
            _consumerTags.Remove(resourceClass);
        }
        IsConsuming = _consumerTags.Count > 0;
    }

    private async Task OnDeliveryAsync(string resourceClass, AsyncEventingBasicConsumer consumer, BasicDeliverEventArgs delivery)
    {
        if (!Accepting || !capacity.TryReserve(resourceClass))
        {
            await RunTaker.RejectQuietlyAsync(consumer.Channel, delivery.DeliveryTag, requeue: true, logger);
            return;
        }
        // Before the ack: cancel every consumer this reservation leaves unable to take a run.
        await _subscription.WaitAsync();
        try
        {
            await CloseDisallowedAsync(consumer.Channel);
        }
        finally
        {
            _subscription.Release();
        }
        await taker.TakeAsync(consumer.Channel, resourceClass, delivery.DeliveryTag, delivery.Body, () => Release(resourceClass), _stoppingToken);
    }

    /// <summary>Gives a run's slot and quota back and lets the intake take the next.</summary>
    private void Release(string resourceClass)
    {
        capacity.Release(resourceClass);
        Wake();
        status.Report(_stopping);
    }

    /// <summary>SIGTERM (or the end of a drain): stop taking runs, let running ones finish within the grace, then stop them.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        gate.Changed -= Wake;
        await _subscription.WaitAsync(CancellationToken.None);
        try
        {
            if (_channel is { } channel) await CloseDisallowedAsync(channel);
        }
        finally
        {
            _subscription.Release();
        }
        status.Report(_stopping);
        logger.LogInformation("Runner {RunnerId} stopped taking runs", settings.RunnerId);
        await supervisor.ShutdownAsync(settings.ShutdownGrace);
        await base.StopAsync(cancellationToken);
        if (_channel is not null)
        {
            try { await _channel.CloseAsync(CancellationToken.None); } catch (Exception ex) { logger.LogDebug(ex, "Closing the intake channel failed"); }
        }
    }
}
