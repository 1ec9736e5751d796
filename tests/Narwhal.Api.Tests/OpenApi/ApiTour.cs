using static Narwhal.Api.Tests.OpenApi.TourData;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>
/// A walk through the whole Api against a real stack: every operation answers a success at least
/// once, and the errors clients meet (400, 401, 403, 404, 409, 410, 413, 415, 416, 422, 304, 206)
/// are provoked on purpose. Each step names the status it aims for; a step that gets another one
/// is listed in <see cref="Misses"/> (the conformance check still judges what did come back).
/// The walk is one ordered sequence (later parts use what earlier ones created), so this class
/// keeps the order and the steps that span every resource; each resource's steps live in their own class.
/// </summary>
internal sealed class ApiTour(TestStack stack, ExchangeRecorder recorder) : IDisposable
{
    private readonly TourSession _tour = new(recorder);

    /// <summary>Steps that did not get the status they aimed for, with what came back.</summary>
    public List<string> Misses => _tour.Misses;

    public async Task RunAsync(OpenApiContract contract)
    {
        await HealthAsync();
        await new TokensTour(_tour).RunAsync();
        await new JobsTour(_tour).RunAsync();
        await new RunsTour(_tour, stack).RunAsync();
        await new StepsTour(_tour, stack).RunAsync();
        await new RunnersTour(_tour, stack).RunAsync();
        await new GithubTour(_tour).RunAsync();
        await BodyErrorsAsync();
        await AuthAsync(contract);
    }

    private async Task HealthAsync()
    {
        await _tour.Step(_tour.Anonymous, HttpMethod.Get, "/health/live", 200);
        await _tour.Step(_tour.Anonymous, HttpMethod.Get, "/health/ready", 200);
    }

    /// <summary>What binding refuses before any handler runs, on every operation that takes a JSON body.</summary>
    private async Task BodyErrorsAsync()
    {
        var admin = _tour.Admin;
        foreach (var path in new[] { $"/jobs/{Job}", $"/jobs/{Job}/secrets/{SecretKey}", $"/jobs/{Job}/git-credentials" })
            await _tour.Step(admin, HttpMethod.Put, path, 400, raw: "{\"broken\": ");
        await _tour.Step(admin, HttpMethod.Post, $"/jobs/{Job}/runs", 400, raw: "{\"parameters\": [");
        await _tour.Step(admin, HttpMethod.Post, "/tokens", 400, raw: "not json");
        await _tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}", 400, new { type = "freestyle", image = "x", script = new[] { "true" }, colour = "blue" });
        await _tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}", 415, raw: "type: freestyle", contentType: "text/yaml");
        var oversized = FreestyleJob(new string('x', OpenApiConformance_Specs.MaxBodyKb * 1024 + 1));
        await _tour.Step(admin, HttpMethod.Put, $"/jobs/{Job}", 413, oversized);
    }

    /// <summary>Every documented operation without a token (401), and every admin or trigger operation with a read token (403).</summary>
    private async Task AuthAsync(OpenApiContract contract)
    {
        foreach (var operation in contract.Operations.Where(o => o.Scope is not null))
        {
            var path = operation.Template.Replace("{name}", Job).Replace("{id}", MissingId).Replace("{number}", "1")
                .Replace("{key}", SecretKey).Replace("{path}", RunResultsSeeder.TextArtifact);
            var body = operation.HasJsonBody ? "{}" : null;
            await _tour.Step(_tour.Anonymous, new HttpMethod(operation.Method), path, 401, raw: body);
            if (operation.Scope != "read") await _tour.Step(_tour.Reader, new HttpMethod(operation.Method), path, 403, raw: body);
        }
    }

    public void Dispose() => _tour.Dispose();
}
