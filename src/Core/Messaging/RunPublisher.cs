using System.Text;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Outbox;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Narwhal.Core.Messaging;

/// <summary>
/// Publishes outbox messages to their run queue with publisher confirms and <c>mandatory</c>:
/// a publish returns only once the broker has taken responsibility for the message. A message
/// the broker could not route (no such queue) comes back as a basic.return and is a failure,
/// so the outbox row stays unpublished instead of the run silently vanishing.
/// </summary>
public sealed class RunPublisher(BrokerConnection broker, ILogger<RunPublisher> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IChannel? _channel;

    public async Task PublishAsync(OutboxMessage message, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var channel = await ChannelAsync(ct);
            var properties = new BasicProperties
            {
                Persistent = true,
                ContentType = "application/json",
                Type = message.MessageType,
                MessageId = message.RunId.ToString(),
                Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            };
            try
            {
                await channel.BasicPublishAsync(exchange: "", routingKey: message.Queue, mandatory: true,
                    basicProperties: properties, body: Encoding.UTF8.GetBytes(message.Payload), cancellationToken: ct);
            }
            catch (PublishException ex) when (ex.IsReturn)
            {
                throw new UnroutableMessageException(message.Queue, ex);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or PublishException)
            {
                // The channel is unusable after a nack or a close: open a fresh one next time.
                await ResetChannelAsync();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        if (_channel is { IsOpen: true }) return _channel;
        await ResetChannelAsync();
        var connection = await broker.GetAsync(ct);
        _channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        logger.LogDebug("Opened publishing channel {Channel}", _channel.ChannelNumber);
        return _channel;
    }

    private async Task ResetChannelAsync()
    {
        if (_channel is null) return;
        try { await _channel.DisposeAsync(); } catch (Exception ex) { logger.LogDebug(ex, "Disposing a broken channel failed"); }
        _channel = null;
    }

    public async ValueTask DisposeAsync()
    {
        await ResetChannelAsync();
        _gate.Dispose();
    }
}

/// <summary>The broker returned a message: no queue is bound to its routing key.</summary>
public sealed class UnroutableMessageException(string queue, Exception inner)
    : Exception($"The broker has no queue '{queue}' to route the message to; it was returned, not delivered.", inner)
{
    public string Queue => queue;
}
