using Microsoft.Extensions.Configuration;

namespace Narwhal.Core.Configuration;

public sealed record BrokerSettings
{
    /// <summary>AMQP URI including the virtual host, e.g. amqp://guest:guest@127.0.0.1:5672/narwhal.</summary>
    public required Uri Url { get; init; }

    /// <summary>RabbitMQ management API (queue depths for autoscaling, vhost set-up in tests).</summary>
    public required Uri ManagementUrl { get; init; }

    /// <summary>Resource classes whose run queues exist; the first is the default for new jobs.</summary>
    public required IReadOnlyList<string> ResourceClasses { get; init; }

    public static BrokerSettings From(IConfiguration config) => new()
    {
        Url = new Uri(config.GetString("NARWHAL_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/")),
        ManagementUrl = new Uri(config.GetString("NARWHAL_RABBITMQ_MANAGEMENT", "http://guest:guest@127.0.0.1:15672/")),
        ResourceClasses = config.GetList("NARWHAL_RESOURCE_CLASSES", "small"),
    };
}
