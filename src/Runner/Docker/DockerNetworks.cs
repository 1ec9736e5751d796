using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Narwhal.Runner.Docker;

/// <summary>The engine's networks: one private bridge network per run, created, listed by label and removed.</summary>
internal sealed class DockerNetworks(DockerClient client, ILogger logger)
{
    private readonly DockerClient _client = client;
    private readonly ILogger _logger = logger;

    public async Task<string> CreateAsync(string name, IReadOnlyDictionary<string, string> labels, bool internalOnly, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var parameters = new NetworksCreateParameters
        {
            Name = name,
            Driver = "bridge",
            Internal = internalOnly,
            Attachable = false,
            EnableIPv6 = false,
            Labels = new Dictionary<string, string>(labels),
        };
        var created = await DockerEngine.CallAsync(DockerOperations.CreateNetwork, DockerEngine.RequestTimeout, token => _client.Networks.CreateNetworkAsync(parameters, token), ct);
        if (DockerErrors.IsDuplicateNetworkWarning(created.Warning))
        {
            // A second network of the same name is an error, not a twin: remove the twin just made.
            await RemoveAsync(created.ID, ct);
            throw new DockerEngineException(DockerOperations.CreateNetwork, HttpStatusCode.Conflict, created.Warning);
        }
        if (created.Warning is { Length: > 0 } warning)
            _logger.LogWarning("Docker warned creating network {Network}: {Warning}", name, warning);
        _logger.LogDebug("Created network {Network} ({NetworkId}), internal: {Internal}", name, created.ID, internalOnly);
        return created.ID;
    }

    public async Task RemoveAsync(string nameOrId, CancellationToken ct)
    {
        try
        {
            // A 403 "has active endpoints" (containers still attached) is an error: remove them first.
            await DockerEngine.CallAsync(DockerOperations.RemoveNetwork, DockerEngine.RequestTimeout, async token =>
            {
                await _client.Networks.DeleteNetworkAsync(DockerEngine.Id(nameOrId), token);
                return true;
            }, ct);
        }
        catch (DockerEngineException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    public async Task<IReadOnlyList<NetworkSummary>> ListAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var rows = await DockerEngine.CallAsync(DockerOperations.ListNetworks, DockerEngine.RequestTimeout,
            token => _client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = DockerEngine.LabelFilters(labels) }, token), ct);
        return [.. rows.Select(row => new NetworkSummary(row.ID, row.Name, row.Driver, row.Internal, DockerEngine.Labels(row.Labels)))];
    }
}
