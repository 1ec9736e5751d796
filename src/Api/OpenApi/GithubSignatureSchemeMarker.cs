namespace Narwhal.Api.OpenApi;

/// <summary>
/// Endpoint metadata for the OpenAPI document only: the operation takes no bearer token and is listed under the
/// <c>githubSignature</c> security scheme. It checks nothing; the webhook handler verifies the
/// <c>X-Hub-Signature-256</c> HMAC of the body itself.
/// </summary>
public sealed class GithubSignatureSchemeMarker
{
    public static readonly GithubSignatureSchemeMarker Instance = new();
}
