using Narwhal.Core.Fleet;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The runner registry part of the <see cref="ApiTour"/>: an online and an offline Runner, registered as the Dispatcher does.</summary>
internal sealed class RunnersTour(TourSession tour, TestStack stack)
{
    private const string OnlineRunner = "tour-runner";
    private const string OfflineRunner = "tour-gone-runner";

    public async Task RunAsync()
    {
        var registry = stack.ApiService<RunnerStore>();
        await registry.UpsertHeartbeatAsync(Heartbeats.Of(OfflineRunner), CancellationToken.None);
        await registry.MarkSilentOfflineAsync(TimeSpan.Zero, CancellationToken.None);
        await registry.UpsertHeartbeatAsync(Heartbeats.Of(OnlineRunner), CancellationToken.None);

        await tour.Step(tour.Reader, HttpMethod.Get, "/runners", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runners/{OnlineRunner}", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, "/runners/tour-missing-runner", 404);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runners/{OnlineRunner}/drain", 202);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runners/{OfflineRunner}/drain", 409);
        await tour.Step(tour.Admin, HttpMethod.Post, "/runners/tour-missing-runner/drain", 404);
    }
}
