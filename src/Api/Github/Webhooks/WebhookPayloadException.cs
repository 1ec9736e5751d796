namespace Narwhal.Api.Github.Webhooks;

/// <summary>A signed delivery whose body Narwhal cannot use (malformed JSON, a field missing or of the wrong type): 400.</summary>
public sealed class WebhookPayloadException(string message, Exception? inner = null) : Exception(message, inner);
