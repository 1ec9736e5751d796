using System.Text.Json;
using Narwhal.Contracts;
using Narwhal.Core.Messaging;
using Narwhal.Core.Persistence;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Fleet;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Narwhal.Runner.Control;

/// <summary>
/// Stops runs this Runner must no longer execute. Two paths, one outcome:
/// the abort broadcast (prompt), and a periodic check of the database (the truth) that also
/// catches a missed broadcast and attempts superseded while this Runner was cut off (fencing: the
/// run is stopped, its containers removed, its outcome discarded).
/// The same broadcast exchange carries <see cref="DrainRunner"/> (message type "DrainRunner"):
/// only the Runner it names starts draining; the heartbeat's database check is its safety net.
/// </summary>
public sealed class RunControlListener(
    BrokerConnection broker, RunSupervisor supervisor, RunAttemptStore attempts, RunClaimer claimer, RunnerDrain drain, RunnerSettings settings,
    ILogger<RunControlListener> logger) : BackgroundService
{
    private IChannel? _channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SubscribeAsync(stoppingToken);
        using var timer = new PeriodicTimer(settings.ControlCheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await CheckDatabaseAsync(stoppingToken);
                await claimer.SettleAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Checking running attempts against the database failed; retrying at the next tick");
            }
        }
    }

    private async Task SubscribeAsync(CancellationToken ct)
    {
        var connection = await broker.GetAsync(ct);
        _channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await RunControl.DeclareAsync(_channel, ct);
        // Server-named, exclusive, auto-deleted: this Runner's own inbox for broadcasts.
        var queue = await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: ct);
        await _channel.QueueBindAsync(queue.QueueName, RunControl.Exchange, routingKey: "", cancellationToken: ct);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            try
            {
                Handle(delivery.BasicProperties.Type, delivery.Body.Span);
            }
            catch (JsonException ex)
            {
                logger.LogWarning(ex, "Ignoring a malformed run-control message");
            }
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, ct);
    }

    /// <summary>Dispatches on the message type; messages without one are aborts (published before drains existed).</summary>
    private void Handle(string? type, ReadOnlySpan<byte> body)
    {
        switch (type)
        {
            case nameof(DrainRunner):
                var drainRequest = JsonSerializer.Deserialize<DrainRunner>(body, Json.Options);
                if (drainRequest is not null && drainRequest.RunnerId == settings.RunnerId) drain.Request(drainRequest.RequestedBy, "message");
                break;
            case nameof(AbortRun) or null or "":
                var abort = JsonSerializer.Deserialize<AbortRun>(body, Json.Options);
                if (abort is not null) supervisor.Cancel(abort.RunId, CancellationReason.Abort, AbortReason(abort.RequestedBy));
                break;
            default:
                logger.LogDebug("Ignoring a run-control message of type {Type}", type);
                break;
        }
    }

    public async Task CheckDatabaseAsync(CancellationToken ct)
    {
        foreach (var state in await attempts.CheckAsync(supervisor.RunningAttempts, ct))
        {
            if (!state.Current)
                supervisor.Cancel(state.RunId, CancellationReason.Superseded, "This attempt is no longer current.");
            else if (state.AbortRequestedBy is { } by)
                supervisor.Cancel(state.RunId, CancellationReason.Abort, AbortReason(by));
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_channel is not null)
        {
            try { await _channel.CloseAsync(cancellationToken); } catch (Exception ex) { logger.LogDebug(ex, "Closing the control channel failed"); }
        }
    }

    /// <summary>"Aborted by ci-bot." for a person or token; "Aborted: superseded by …" for a reason the system gave.</summary>
    internal static string AbortReason(string requestedBy) =>
        requestedBy.StartsWith("superseded ", StringComparison.Ordinal) ? $"Aborted: {requestedBy}." : $"Aborted by {requestedBy}.";
}
