namespace Narwhal.Api.Github;

/// <summary>
/// Endpoint metadata: the operation takes no bearer token; it is authenticated by the <c>X-Hub-Signature-256</c>
/// HMAC of its body (the OpenAPI document says so through the <c>githubSignature</c> security scheme).
/// </summary>
public sealed class WebhookSignatureAuth
{
    public static readonly WebhookSignatureAuth Instance = new();
}
