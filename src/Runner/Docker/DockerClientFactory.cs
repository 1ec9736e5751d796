using Docker.DotNet;
using Docker.DotNet.NativeHttp;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Builds the Docker.DotNet client for a Docker host string (NARWHAL_DOCKER_HOST):
/// <c>unix:///var/run/docker.sock</c>, <c>tcp://host:2375</c> or <c>http://host:2375</c>, speaking
/// the pinned API version (NARWHAL_DOCKER_API_VERSION).
/// </summary>
/// <remarks>
/// The native transport (SocketsHttpHandler) serves both unix sockets and tcp. The client has no
/// overall timeout (following logs and waiting for an exit last as long as the job): the engine
/// bounds each call with its own token.
/// </remarks>
public static class DockerClientFactory
{
    /// <summary>The API version of Docker 20.10, the oldest engine Narwhal runs on.</summary>
    public const string DefaultApiVersion = "1.41";

    public static DockerClient Create(string dockerHost, string apiVersion = DefaultApiVersion)
    {
        var endpoint = ParseHost(dockerHost);
        return new DockerClientBuilder()
            .WithEndpoint(endpoint)
            .WithApiVersion(ParseApiVersion(apiVersion))
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .WithTransportOptions(new NativeHttpTransportOptions
            {
                ConfigureHandler = handler =>
                {
                    // Each followed log holds a connection for the whole run: no cap on connections.
                    handler.MaxConnectionsPerServer = int.MaxValue;
                    handler.ConnectTimeout = TimeSpan.FromSeconds(10);
                    handler.UseProxy = false;
                },
            })
            .Build();
    }

    /// <summary>The engine endpoint of a Docker host string; what the client cannot reach is an <see cref="ArgumentException"/>.</summary>
    public static Uri ParseHost(string dockerHost)
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
                return uri;
            case "tcp":
                if (uri.IsDefaultPort)
                    throw new ArgumentException($"Docker host '{dockerHost}' needs a port.", nameof(dockerHost));
                return new UriBuilder(Uri.UriSchemeHttp, uri.Host, uri.Port).Uri;
            case "http":
            case "https":
                return new UriBuilder(uri.Scheme, uri.Host, uri.Port).Uri;
            default:
                throw new ArgumentException($"Docker host '{dockerHost}' has an unsupported scheme '{uri.Scheme}' (use unix, tcp or http).", nameof(dockerHost));
        }
    }

    /// <summary>"1.41" → 1.41; anything else is an <see cref="ArgumentException"/>.</summary>
    public static Version ParseApiVersion(string apiVersion)
    {
        if (Version.TryParse(apiVersion?.Trim().TrimStart('v'), out var version) && version.Build < 0)
            return version;
        throw new ArgumentException($"Docker API version '{apiVersion}' is not of the form major.minor (e.g. 1.41).", nameof(apiVersion));
    }
}
