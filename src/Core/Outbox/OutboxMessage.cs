namespace Narwhal.Core.Outbox;

public sealed record OutboxMessage(long Id, Guid RunId, string Queue, string MessageType, string Payload);
