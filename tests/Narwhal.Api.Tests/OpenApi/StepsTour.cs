using Narwhal.Api.Tests.Support;
using Narwhal.Core.Runs;
using static Narwhal.Api.Tests.OpenApi.TourData;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>
/// The pipelines part of the <see cref="ApiTour"/>: a freestyle pipeline job, a run of it planned and advanced by the
/// <see cref="PipelineSeeder"/> (the tour has no Runner), each step route, the retries and the abort of a pipeline.
/// </summary>
internal sealed class StepsTour(TourSession tour, TestStack stack)
{
    private const string PipelineJob = "tour-pipeline";

    private readonly PipelineSeeder _seeder = new(stack.Database.DataSource);

    public async Task RunAsync()
    {
        var id = await PlannedRunAsync();
        await StepsAsync(id);
        await RetriesAsync(id);
        await GatesAsync();
        await _seeder.StartAsync(id, "test");
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{id}/abort", 202);
    }

    private async Task<Guid> PlannedRunAsync()
    {
        var job = new
        {
            type = "freestyle", image = TestEnvironment.BusyboxImage, script = new[] { "echo step" },
            steps = new Dictionary<string, object>
            {
                ["build"] = new { },
                ["test"] = new { needs = new[] { "build" } },
                ["deploy"] = new { needs = new[] { "test" } },
            },
        };
        await tour.Step(tour.Admin, HttpMethod.Put, $"/jobs/{PipelineJob}", 201, job);
        await tour.Step(tour.Admin, HttpMethod.Put, $"/jobs/{PipelineJob}", 400,
            new { type = "freestyle", image = TestEnvironment.BusyboxImage, script = new[] { "true" }, steps = new { a = new { needs = new[] { "a" } } } });
        var run = await TourSession.ReadJsonAsync(await tour.Step(tour.Admin, HttpMethod.Post, $"/jobs/{PipelineJob}/runs", 201, new { }));
        var id = Guid.Parse(run.Str("id"));
        await _seeder.PlanAsync(id, [SeedStep.Step("build"), SeedStep.Step("test", "build"), SeedStep.Step("deploy", "test")]);
        await new RunResultsSeeder(stack).FinishWithResultsAsync(await _seeder.StepRowAsync(id, "build"));
        return id;
    }

    private async Task StepsAsync(Guid id)
    {
        var build = $"/runs/{id}/steps/build";
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, build, 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"{build}?attempt=9", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/steps/nope", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{MissingId}/steps/build", 404);

        await tour.StoredObjectAsync($"{build}/console");
        await tour.FollowUntilFirstEventAsync($"{build}/console?follow=true");
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/steps/test/console", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/steps/nope/console", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/results/console", 409);

        await tour.Step(tour.Reader, HttpMethod.Get, $"{build}/results", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/steps/nope/results", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"{build}/results/junit", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/steps/test/results/junit", 404);
        await tour.StoredObjectAsync($"{build}/results/junit/summary");
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/steps/test/results/junit/summary", 404);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/results/junit/summary", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"{build}/results/artifacts", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/steps/nope/results/artifacts", 404);
        await tour.StoredObjectAsync($"{build}/results/artifacts/{RunResultsSeeder.TextArtifact}");
        await tour.Step(tour.Reader, HttpMethod.Get, $"{build}/results/artifacts/dist/missing.txt", 404);
    }

    /// <summary>Two runs through an approval gate: one approved (after a refused approver and bad inputs), one rejected.</summary>
    private async Task GatesAsync()
    {
        const string gate = """{ "prompt": "Deploy?", "fields": [{ "name": "VERSION", "required": true }] }""";
        SeedStep[] steps = [SeedStep.Step("build"), SeedStep.Step("approve", "build") with { Block = gate }, SeedStep.Step("deploy", "approve")];
        var approved = await GatedRunAsync(steps);
        var approve = $"/runs/{approved}/steps/approve/approve";
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{approved}/steps/build/approve", 409, new { });
        await tour.Step(tour.Reader, HttpMethod.Post, approve, 403, new { fields = new Dictionary<string, string> { ["VERSION"] = "1.0" } });
        await tour.Step(tour.Admin, HttpMethod.Post, approve, 400, new { fields = new Dictionary<string, string> { ["COLOUR"] = "red" } });
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{approved}/steps/nope/approve", 404, new { });
        await tour.Step(tour.Admin, HttpMethod.Post, approve, 200, new { fields = new Dictionary<string, string> { ["VERSION"] = "1.0" } });
        await tour.Step(tour.Admin, HttpMethod.Post, approve, 409, new { fields = new Dictionary<string, string> { ["VERSION"] = "1.0" } });

        var rejected = await GatedRunAsync(steps);
        await tour.Step(tour.Reader, HttpMethod.Post, $"/runs/{rejected}/steps/approve/reject", 403);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{MissingId}/steps/approve/reject", 404);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{rejected}/steps/approve/reject", 200);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{rejected}/steps/approve/reject", 409);
    }

    /// <summary>A run of the tour's pipeline job planned as these steps, its first step succeeded: the gate awaits a decision.</summary>
    private async Task<Guid> GatedRunAsync(SeedStep[] steps)
    {
        var run = await TourSession.ReadJsonAsync(await tour.Step(tour.Admin, HttpMethod.Post, $"/jobs/{PipelineJob}/runs", 201, new { }));
        var id = Guid.Parse(run.Str("id"));
        await _seeder.PlanAsync(id, steps);
        await _seeder.StartAsync(id, "build");
        await _seeder.FinishAsync(id, "build", RunStatus.Succeeded);
        return id;
    }

    private async Task RetriesAsync(Guid id)
    {
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{id}/steps/test/retry", 409);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{id}/steps/nope/retry", 404);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{id}/retry-failed", 409);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{MissingId}/retry-failed", 404);
        await _seeder.FinishAsync(id, "test", RunStatus.Failed);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{id}/steps/test/retry", 200);
        await _seeder.FinishAsync(id, "test", RunStatus.Failed);
        await tour.Step(tour.Admin, HttpMethod.Post, $"/runs/{id}/retry-failed", 200);
        await tour.Step(tour.Reader, HttpMethod.Get, $"/runs/{id}/steps/test?attempt=1", 200);
    }
}
