using Narwhal.Dispatcher.Retention;
using static Narwhal.Api.Tests.OpenApi.TourData;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The runs and results part of the <see cref="ApiTour"/>: runs in every state the answers depend on.</summary>
internal sealed class RunsTour(TourSession tour, TestStack stack)
{
    private string _queuedThenAborted = null!;
    private string _running = null!;

    /// <summary>Runs first, then their results: the results steps read the runs left queued-then-aborted and running.</summary>
    public async Task RunAsync()
    {
        await RunsAsync();
        await ResultsAsync();
    }

    private async Task<(string Id, int Number)> TriggerAsync(string job, object? body = null, string? idempotencyKey = null)
    {
        var response = await tour.Step(tour.Admin, HttpMethod.Post, $"/jobs/{job}/runs", 201, body ?? new { },
            headers: h => { if (idempotencyKey is not null) h.Add("Idempotency-Key", idempotencyKey); });
        var run = await TourSession.ReadJsonAsync(response);
        return (run.GetProperty("id").GetString()!, run.GetProperty("number").GetInt32());
    }

    private async Task RunsAsync()
    {
        var seeder = new RunResultsSeeder(stack);
        var (queued, number) = await TriggerAsync(Job, idempotencyKey: "tour-key");
        await tour.Step(tour.Admin, HttpMethod.Post, $"/jobs/{Job}/runs", 200, new { }, headers: h => h.Add("Idempotency-Key", "tour-key"));
        await tour.Step(tour.Admin, HttpMethod.Post, $"/jobs/{Job}/runs", 422, new { parameters = new Dictionary<string, string> { ["GREETING"] = "hi" } }, headers: h => h.Add("Idempotency-Key", "tour-key"));
        await tour.Step(tour.Admin, HttpMethod.Post, $"/jobs/{Job}/runs", 400, new { parameters = new Dictionary<string, string> { ["UNDECLARED"] = "x" } });
        await tour.Step(tour.Admin, HttpMethod.Post, $"/jobs/{MissingJob}/runs", 404, new { });

        await tour.Step(tour.Reader, HttpMethod.Get, $"/jobs/{Job}/runs", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/jobs/{Job}/runs?status=bogus", 400);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/jobs/{MissingJob}/runs", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/jobs/{Job}/runs/{number}", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/jobs/{Job}/runs/999", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs?job={Job}&limit=5", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, "/runs?status=bogus", 400);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{queued}", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{MissingId}", 404);

        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{queued}/abort", 200);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{queued}/abort", 409);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{MissingId}/abort", 404);
        _queuedThenAborted = queued;

        (_running, _) = await TriggerAsync(Job);
        await seeder.ClaimAsync(Guid.Parse(_running));
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{_running}/abort", 202);
        await tour.Step(tour.Admin, HttpMethod.Delete, $"/jobs/{Job}", 409);

        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{MissingId}/rerun", 404);
        await tour.Step(tour.Admin, HttpMethod.Put, $"/jobs/{GoneJob}", 201, FreestyleJob());
        var (orphan, _) = await TriggerAsync(GoneJob);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{orphan}/abort", 200);
        await tour.Step(tour.Admin, HttpMethod.Delete, $"/jobs/{GoneJob}", 204);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{orphan}/rerun", 409);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/jobs/{GoneJob}/runs", 200);
    }

    private async Task ResultsAsync()
    {
        var seeder = new RunResultsSeeder(stack);
        var (finished, number) = await TriggerAsync(Job);
        await seeder.FinishWithResultsAsync(Guid.Parse(finished));
        var (expired, _) = await TriggerAsync(Job);
        await seeder.FinishWithResultsAsync(Guid.Parse(expired));
        await new RetentionStore(stack.ApiService<Npgsql.NpgsqlDataSource>()).MarkExpiredAsync(Guid.Parse(expired), CancellationToken.None);

        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{finished}/rerun", 201);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{finished}/results", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{expired}/results", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{MissingId}/results", 404);

        await tour.StoredObjectAsync($"/runs/{finished}/results/console");
        await tour.FollowUntilFirstEventAsync($"/runs/{finished}/results/console?follow=true");
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{_running}/results/console", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{_queuedThenAborted}/results/console", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{expired}/results/console", 410);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{MissingId}/results/console", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/jobs/{Job}/runs/{number}/results/console", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/jobs/{Job}/runs/999/results/console", 404);

        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{finished}/results/junit", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{_queuedThenAborted}/results/junit", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{expired}/results/junit", 410);
        await tour.StoredObjectAsync($"/runs/{finished}/results/junit/summary");
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{_queuedThenAborted}/results/junit/summary", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{expired}/results/junit/summary", 410);

        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{finished}/results/artifacts", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{MissingId}/results/artifacts", 404);
        await tour.StoredObjectAsync($"/runs/{finished}/results/artifacts/{RunResultsSeeder.TextArtifact}");
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{finished}/results/artifacts/{RunResultsSeeder.BinaryArtifact}", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{finished}/results/artifacts/dist/missing.txt", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{expired}/results/artifacts/{RunResultsSeeder.TextArtifact}", 410);
        // Sent as written: HttpClient would otherwise remove the dot segments before the Api sees them.
        var climbing = new Uri($"{stack.ApiUrl.ToString().TrimEnd('/')}/runs/{finished}/results/artifacts/dist/%2e%2e/secret.txt",
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        await tour.SendAsync(tour.Reader, new HttpRequestMessage(HttpMethod.Get, climbing), 400);
    }
}
