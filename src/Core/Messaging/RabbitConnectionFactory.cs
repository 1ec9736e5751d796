using Microsoft.Extensions.Logging;
using Narwhal.Core.Configuration;
using Narwhal.Core.Resilience;
using RabbitMQ.Client;

namespace Narwhal.Core.Messaging;

/// <summary>Opens broker connections with automatic recovery, retrying transient failures at start.</summary>
public static class RabbitConnectionFactory
{
    public static async Task<IConnection> ConnectAsync(BrokerSettings settings, string clientName, ILogger logger, CancellationToken ct)
    {
        var factory = new ConnectionFactory
        {
            Uri = settings.Url,
            ClientProvidedName = clientName,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
            RequestedHeartbeat = TimeSpan.FromSeconds(20),
        };
        var pipeline = NarwhalResilience.CreateRetryPipeline("rabbitmq-connect", logger, maxRetries: 8);
        return await pipeline.ExecuteAsync(async token => await factory.CreateConnectionAsync(token), ct);
    }

    /// <summary>Declares the run queue of every configured class (idempotent; same arguments everywhere).</summary>
    public static async Task DeclareRunQueuesAsync(IChannel channel, IEnumerable<string> resourceClasses, CancellationToken ct)
    {
        foreach (var resourceClass in resourceClasses)
            await channel.QueueDeclareAsync(RunQueues.QueueName(resourceClass), durable: true, exclusive: false,
                autoDelete: false, arguments: RunQueues.Arguments(), cancellationToken: ct);
    }
}
