using System.Buffers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Narwhal.Runner.Docker;

// Exec: a command in a running container, e.g. a readiness check of a service sidecar.
public sealed partial class DockerEngine
{
    /// <summary>
    /// How long after its output ended the engine may still report the exec as running: the exit
    /// code is recorded from containerd's exit event, which can arrive just after the stream closes.
    /// </summary>
    private static readonly TimeSpan ExecExitGrace = TimeSpan.FromSeconds(10);

    public async Task<long> ExecAsync(string containerId, IReadOnlyList<string> command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0) throw new ArgumentException("The command must not be empty.", nameof(command));

        var execId = await CreateExecAsync(containerId, command, ct);
        await RunExecToEndAsync(execId, ct);
        return await ExecExitCodeAsync(execId, ct);
    }

    private async Task<string> CreateExecAsync(string containerId, IReadOnlyList<string> command, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["Cmd"] = new JsonArray([.. command.Select(part => (JsonNode?)JsonValue.Create(part))]),
            ["AttachStdin"] = false,
            ["AttachStdout"] = true,
            ["AttachStderr"] = true,
            ["Tty"] = false,
        };
        using var timeout = Bounded(RequestTimeout, ct);
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await SendAsync(HttpMethod.Post, $"containers/{Id(containerId)}/exec", content,
            DockerOperations.CreateExec, timeout.Token, ct);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.CreateExec, null, ct);
        var created = await response.Content.ReadFromJsonAsync<ExecCreateAnswer>(Json, timeout.Token)
            ?? throw new DockerEngineException(DockerOperations.CreateExec, response.StatusCode, "empty answer");
        return created.Id;
    }

    /// <summary>
    /// Starts the exec attached and reads its (multiplexed) output to the end, discarding it: the
    /// engine ends the stream when the process exits. No timeout besides the token.
    /// </summary>
    private async Task RunExecToEndAsync(string execId, CancellationToken ct)
    {
        using var content = new StringContent("""{"Detach":false,"Tty":false}""", Encoding.UTF8, "application/json");
        using var response = await SendAsync(HttpMethod.Post, $"exec/{Id(execId)}/start", content,
            DockerOperations.StartExec, ct, ct, streaming: true);
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.StartExec, null, ct);
        await using var output = await response.Content.ReadAsStreamAsync(ct);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (await output.ReadAsync(buffer, ct) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<long> ExecExitCodeAsync(string execId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ExecExitGrace;
        while (true)
        {
            using var timeout = Bounded(RequestTimeout, ct);
            using var response = await SendAsync(HttpMethod.Get, $"exec/{Id(execId)}/json", null,
                DockerOperations.InspectExec, timeout.Token, ct);
            if (!response.IsSuccessStatusCode)
                throw await DockerErrors.FromResponseAsync(response, DockerOperations.InspectExec, null, ct);
            var answer = await response.Content.ReadFromJsonAsync<ExecInspectAnswer>(Json, timeout.Token)
                ?? throw new DockerEngineException(DockerOperations.InspectExec, response.StatusCode, "empty answer");
            if (!answer.Running && answer.ExitCode is { } exitCode) return exitCode;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Exec {execId} ended its output but the engine reported no exit code within {ExecExitGrace.TotalSeconds:0} s.");
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }

    private sealed record ExecCreateAnswer(string Id);

    private sealed record ExecInspectAnswer(bool Running, long? ExitCode);
}
