using System.Text;
using Narwhal.Contracts;
using Narwhal.Core.Persistence;
using RabbitMQ.Client;

namespace Narwhal.Core.Messaging;

/// <summary>
/// The fan-out exchange for control broadcasts (abort a run, drain a Runner; the message type says which). Each Runner binds its own exclusive,
/// auto-deleted queue: a Runner that is down misses nothing it would need, since the database
/// holds the request and Runners check it.
/// </summary>
public static class RunControl
{
    public const string Exchange = "narwhal.run-control";

    public static Task DeclareAsync(IChannel channel, CancellationToken ct) =>
        channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);

    public static async Task PublishAbortAsync(IConnection connection, AbortRun message, CancellationToken ct)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await DeclareAsync(channel, ct);
        await channel.BasicPublishAsync(Exchange, routingKey: "", mandatory: false,
            new BasicProperties { ContentType = "application/json", Type = nameof(AbortRun) },
            Encoding.UTF8.GetBytes(Json.Serialize(message)), ct);
    }

    /// <summary>"Runner X, drain": only that Runner acts; runners.drain_requested_at is the truth it also checks.</summary>
    public static async Task PublishDrainAsync(IConnection connection, DrainRunner message, CancellationToken ct)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await DeclareAsync(channel, ct);
        await channel.BasicPublishAsync(Exchange, routingKey: "", mandatory: false,
            new BasicProperties { ContentType = "application/json", Type = nameof(DrainRunner) },
            Encoding.UTF8.GetBytes(Json.Serialize(message)), ct);
    }
}
