using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Narwhal.Api.Github;

/// <summary>
/// Reads a webhook body whole (the signature covers the raw bytes) up to GitHub's own cap of 25 MB, for this endpoint
/// only: the Api's general limit (NARWHAL_API_MAX_BODY_KB, enforced by Kestrel) is lifted for the request and this
/// limit enforced here instead, so the 413 names the right limit.
/// </summary>
public static class WebhookBody
{
    /// <summary>GitHub caps payloads at 25 MB; anything larger was not sent by GitHub.</summary>
    public const long MaxBytes = 25L * 1024 * 1024;

    /// <summary>The body, or null when it is larger than <see cref="MaxBytes"/> (nothing more is read then).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes) return null;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;

        using var body = new MemoryStream((int)Math.Min(request.ContentLength ?? 64 * 1024, MaxBytes));
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (body.Length + read > MaxBytes) return null;
                body.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The limit could not be lifted (the body was already being read): Kestrel's own limit stopped it.
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return body.ToArray();
    }
}
