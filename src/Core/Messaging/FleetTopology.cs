using System.Text;
using Narwhal.Contracts;
using Narwhal.Core.Persistence;
using RabbitMQ.Client;

namespace Narwhal.Core.Messaging;

/// <summary>
/// Heartbeats: every Runner publishes <see cref="RunnerHeartbeat"/> to a fan-out exchange; the
/// Dispatchers share one durable queue bound to it (competing consumers: any Dispatcher replica
/// records a heartbeat). Messages expire after a minute: an old heartbeat says nothing about now.
/// </summary>
public static class FleetTopology
{
    public const string HeartbeatExchange = "narwhal.heartbeats";
    public const string HeartbeatQueue = "narwhal.dispatcher.heartbeats";
    public static readonly TimeSpan HeartbeatTtl = TimeSpan.FromMinutes(1);

    public static Task DeclareExchangeAsync(IChannel channel, CancellationToken ct) =>
        channel.ExchangeDeclareAsync(HeartbeatExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);

    public static async Task DeclareQueueAsync(IChannel channel, CancellationToken ct)
    {
        await DeclareExchangeAsync(channel, ct);
        await channel.QueueDeclareAsync(HeartbeatQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-message-ttl"] = (int)HeartbeatTtl.TotalMilliseconds },
            cancellationToken: ct);
        await channel.QueueBindAsync(HeartbeatQueue, HeartbeatExchange, routingKey: "", cancellationToken: ct);
    }

    public static ValueTask PublishHeartbeatAsync(IChannel channel, RunnerHeartbeat heartbeat, CancellationToken ct) =>
        channel.BasicPublishAsync(HeartbeatExchange, routingKey: "", mandatory: false,
            new BasicProperties { ContentType = "application/json", Type = nameof(RunnerHeartbeat), Expiration = ((int)HeartbeatTtl.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Encoding.UTF8.GetBytes(Json.Serialize(heartbeat)), ct);
}
