using System.Net;
using System.Net.Http.Headers;

namespace Narwhal.Runner.Docker;

/// <summary>
/// A request body copied straight from a stream the caller owns: never buffered, never disposed
/// (unlike <see cref="StreamContent"/>, which disposes its stream with the request). A seekable
/// stream is sent with a Content-Length (from its current position), any other chunked.
/// </summary>
internal sealed class CallerOwnedStreamContent : HttpContent
{
    private const int CopyBufferBytes = 81920;

    private readonly Stream _source;

    public CallerOwnedStreamContent(Stream source, string mediaType)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead) throw new ArgumentException("The stream must be readable.", nameof(source));
        _source = source;
        Headers.ContentType = new MediaTypeHeaderValue(mediaType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        _source.CopyToAsync(stream, CopyBufferBytes, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = _source.CanSeek ? _source.Length - _source.Position : 0;
        return _source.CanSeek;
    }
}
