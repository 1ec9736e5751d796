namespace Narwhal.Core.Messaging;

/// <summary>
/// The run queues: one durable quorum queue per resource class, declared by every process that
/// touches them with exactly these arguments (RabbitMQ refuses a redeclaration with different ones).
/// Runs are published through the default exchange with the queue name as routing key and
/// <c>mandatory</c>, so a message for a queue that does not exist comes back instead of vanishing.
/// </summary>
public static class RunQueues
{
    public const string Prefix = "narwhal.runs.";

    public static string QueueName(string resourceClass) => Prefix + resourceClass;

    public static IDictionary<string, object?> Arguments() => new Dictionary<string, object?>
    {
        // Quorum: replicated, durable, and with delivery counting (poison-message handling later).
        ["x-queue-type"] = "quorum",
    };
}
