using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Narwhal.Api.Github.Webhooks;

namespace Narwhal.Api.Github;

/// <summary>
/// A webhook body read for one request into a pooled buffer, hashed as it streams in (the signature covers the raw
/// bytes). Disposing returns the buffer. The Api's general limit (NARWHAL_API_MAX_BODY_KB, enforced by Kestrel) is
/// lifted for the request and <c>maxBytes</c> (NARWHAL_GITHUB_WEBHOOK_MAX_BODY_KB) enforced here instead, so the 413
/// names the right limit.
/// </summary>
public sealed class WebhookBody : IDisposable
{
    /// <summary>GitHub caps payloads at 25 MB; anything larger was not sent by GitHub.</summary>
    public const long GithubMaxBytes = 25L * 1024 * 1024;

    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// Bodies are read before their signature is checked, so their buffers come from a pool of their own
    /// that keeps only a few arrays of each size: the shared pool would keep dozens of 32 MB arrays per core
    /// after a burst of large unsigned posts, and the memory they cost would never be given back.
    /// </summary>
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024 * 1024, maxArraysPerBucket: 4);

    private byte[]? _buffer;

    private WebhookBody(byte[] buffer, int length, bool signatureValid)
    {
        _buffer = buffer;
        Length = length;
        SignatureValid = signatureValid;
    }

    public int Length { get; }
    public bool SignatureValid { get; }
    public ReadOnlyMemory<byte> Memory => _buffer is { } b ? b.AsMemory(0, Length) : throw new ObjectDisposedException(nameof(WebhookBody));

    /// <summary>The body with its signature checked against <paramref name="claimed"/>, or null when it is larger than <paramref name="maxBytes"/> (nothing more is read then).</summary>
    public static async Task<WebhookBody?> ReadAsync(HttpRequest request, WebhookSignature signature, byte[] claimed, long maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) return null;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;

        // Sized by the declared length when there is one (checked above), so the body is copied once and never grown;
        // one byte more leaves room for the read that finds the end.
        var buffer = Pool.Rent((int)(request.ContentLength + 1 ?? ChunkBytes));
        var length = 0;
        using var verifier = signature.StartVerifying();
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= maxBytes) return Refused(buffer);
                    var larger = Pool.Rent((int)Math.Min(Math.Max((long)buffer.Length * 2, ChunkBytes), maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    Pool.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length - length, maxBytes + 1 - length)), ct);
                if (read == 0) break;
                verifier.Append(buffer.AsSpan(length, read));
                length += read;
                if (length > maxBytes) return Refused(buffer);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The limit could not be lifted (the body was already being read): Kestrel's own limit stopped it.
            return Refused(buffer);
        }
        catch
        {
            Pool.Return(buffer);
            throw;
        }
        return new WebhookBody(buffer, length, verifier.Matches(claimed));
    }

    private static WebhookBody? Refused(byte[] buffer)
    {
        Pool.Return(buffer);
        return null;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer) Pool.Return(buffer);
    }
}
