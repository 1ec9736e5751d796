using System.Net.Sockets;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Builds the <see cref="HttpClient"/> that speaks to the engine named by a Docker host string
/// (NARWHAL_DOCKER_HOST): <c>unix:///var/run/docker.sock</c>, <c>tcp://host:2375</c> or <c>http://host:2375</c>.
/// </summary>
/// <remarks>
/// The client has no overall timeout (following logs and waiting for an exit last as long as the
/// job): callers bound each call with their own token.
/// </remarks>
public static class DockerHttpClientFactory
{
    /// <summary>Requests go to this address; over a unix socket the host part only fills the Host header.</summary>
    private static readonly Uri UnixBaseAddress = new("http://docker.sock/");

    public static HttpClient Create(string dockerHost)
    {
        var (baseAddress, socketPath) = Parse(dockerHost);
        var handler = new SocketsHttpHandler
        {
            // Each followed log holds a connection for the whole run: no cap on connections.
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
        };
        if (socketPath is not null)
            handler.ConnectCallback = (_, ct) => ConnectUnixAsync(socketPath, ct);
        return new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The HTTP base address and, for unix sockets, the socket's path.</summary>
    public static (Uri BaseAddress, string? SocketPath) Parse(string dockerHost)
    {
        if (string.IsNullOrWhiteSpace(dockerHost))
            throw new ArgumentException("The Docker host must be set (e.g. unix:///var/run/docker.sock).", nameof(dockerHost));
        if (!Uri.TryCreate(dockerHost.Trim(), UriKind.Absolute, out var uri))
            throw new ArgumentException($"Docker host '{dockerHost}' is not a URI (expected unix:///path, tcp://host:port or http://host:port).", nameof(dockerHost));

        switch (uri.Scheme)
        {
            case "unix":
                if (string.IsNullOrEmpty(uri.AbsolutePath) || uri.AbsolutePath == "/")
                    throw new ArgumentException($"Docker host '{dockerHost}' names no socket path.", nameof(dockerHost));
                return (UnixBaseAddress, Uri.UnescapeDataString(uri.AbsolutePath));
            case "tcp":
            case "http":
                if (uri.IsDefaultPort && uri.Scheme == "tcp")
                    throw new ArgumentException($"Docker host '{dockerHost}' needs a port.", nameof(dockerHost));
                return (new UriBuilder(Uri.UriSchemeHttp, uri.Host, uri.Port).Uri, null);
            case "https":
                return (new UriBuilder(Uri.UriSchemeHttps, uri.Host, uri.Port).Uri, null);
            default:
                throw new ArgumentException($"Docker host '{dockerHost}' has an unsupported scheme '{uri.Scheme}' (use unix, tcp or http).", nameof(dockerHost));
        }
    }

    private static async ValueTask<Stream> ConnectUnixAsync(string socketPath, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
