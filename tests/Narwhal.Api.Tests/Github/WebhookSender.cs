using System.Net.Http.Headers;
using Narwhal.Api.Github.Webhooks;

namespace Narwhal.Api.Tests.Github;

/// <summary>Sends deliveries as GitHub does: the raw payload, X-GitHub-Event, X-GitHub-Delivery and the signature computed here.</summary>
internal sealed class WebhookSender(HttpClient anonymous, string secret)
{
    /// <summary>Sends without any X-Hub-Signature-256 header.</summary>
    public static readonly Func<byte[], string?> Unsigned = _ => null;

    /// <param name="signature">The header to send for the body; default: the correct one for the secret.</param>
    /// <param name="expectContinue">Send <c>Expect: 100-continue</c>.</param>
    public async Task<HttpResponseMessage> SendAsync(string @event, byte[] body, string? deliveryId = null,
        Func<byte[], string?>? signature = null, string contentType = "application/json", bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("User-Agent", "GitHub-Hookshot/narwhal-tests");
        // As curl does for large bodies: the body is sent only once the server asks for it, so a 413 answered before
        // reading arrives instead of a broken pipe.
        request.Headers.ExpectContinue = expectContinue;
        request.Headers.Add("X-GitHub-Event", @event);
        request.Headers.Add("X-GitHub-Delivery", deliveryId ?? Guid.NewGuid().ToString());
        if ((signature ?? (b => WebhookSignature.Sign(secret, b)))(body) is { } header) request.Headers.Add(WebhookSignature.Header, header);
        return await anonymous.SendAsync(request);
    }
}
