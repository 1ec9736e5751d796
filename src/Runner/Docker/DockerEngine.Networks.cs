using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Narwhal.Runner.Docker;

// Networks: one user-defined bridge network per run, so service sidecars and steps find each other by name.
public sealed partial class DockerEngine
{
    public async Task<string> CreateNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, bool @internal, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var labelMap = new JsonObject();
        foreach (var (key, value) in labels) labelMap[key] = value;
        var body = new JsonObject
        {
            ["Name"] = name,
            ["Driver"] = "bridge",
            ["Internal"] = @internal,
            ["Attachable"] = false,
            ["EnableIPv6"] = false,
            ["CheckDuplicate"] = true, // a second network of the same name is an error, not a twin
            ["Labels"] = labelMap,
        };
        using var timeout = Bounded(RequestTimeout, ct);
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await SendAsync(HttpMethod.Post, "networks/create", content, DockerOperations.CreateNetwork, timeout.Token, ct);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.CreateNetwork, null, ct);

        var created = await response.Content.ReadFromJsonAsync<NetworkCreateAnswer>(Json, timeout.Token)
            ?? throw new DockerEngineException(DockerOperations.CreateNetwork, response.StatusCode, "empty answer");
        if (created.Warning is { Length: > 0 } warning)
            _logger.LogWarning("Docker warned creating network {Network}: {Warning}", name, warning);
        _logger.LogDebug("Created network {Network} ({NetworkId}), internal: {Internal}", name, created.Id, @internal);
        return created.Id;
    }

    public async Task RemoveNetworkAsync(string nameOrId, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Delete, $"networks/{Id(nameOrId)}", null,
            DockerOperations.RemoveNetwork, timeout.Token, ct);
        // 404: already gone. A 403 "has active endpoints" (containers still attached) is an error: remove them first.
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound) return;
        throw await DockerErrors.FromResponseAsync(response, DockerOperations.RemoveNetwork, null, ct);
    }

    public async Task<IReadOnlyList<NetworkSummary>> ListNetworksAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Get, $"networks?filters={LabelFilters(labels)}", null,
            DockerOperations.ListNetworks, timeout.Token, ct);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.ListNetworks, null, ct);
        var rows = await response.Content.ReadFromJsonAsync<List<NetworkRow>>(Json, timeout.Token) ?? [];
        return
        [
            .. rows.Select(row => new NetworkSummary(
                row.Id,
                row.Name ?? "",
                row.Driver ?? "",
                row.Internal,
                row.Labels ?? new Dictionary<string, string>())),
        ];
    }

    private sealed record NetworkCreateAnswer(string Id, string? Warning);

    private sealed record NetworkRow(string Id, string? Name, string? Driver, bool Internal, Dictionary<string, string>? Labels);
}
