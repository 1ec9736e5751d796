using Narwhal.Core.Fleet;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The runner registry part of the tour: an online and an offline Runner, registered as the Dispatcher does.</summary>
internal sealed partial class ApiTour
{
    private const string OnlineRunner = "tour-runner";
    private const string OfflineRunner = "tour-gone-runner";

    private async Task RunnersAsync()
    {
        var registry = stack.ApiService<RunnerStore>();
        await registry.UpsertHeartbeatAsync(Heartbeats.Of(OfflineRunner), CancellationToken.None);
        await registry.MarkSilentOfflineAsync(TimeSpan.Zero, CancellationToken.None);
        await registry.UpsertHeartbeatAsync(Heartbeats.Of(OnlineRunner), CancellationToken.None);

        await Step(_reader, HttpMethod.Get, "/runners", 200);
        await Step(_reader, HttpMethod.Get, $"/runners/{OnlineRunner}", 200);
        await Step(_reader, HttpMethod.Get, "/runners/tour-missing-runner", 404);
        await Step(_admin, HttpMethod.Post, $"/runners/{OnlineRunner}/drain", 202);
        await Step(_admin, HttpMethod.Post, $"/runners/{OfflineRunner}/drain", 409);
        await Step(_admin, HttpMethod.Post, "/runners/tour-missing-runner/drain", 404);
    }
}
