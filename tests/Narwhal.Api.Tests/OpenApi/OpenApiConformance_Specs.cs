using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using NUnit.Framework;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>
/// The OpenAPI document matches the Api that runs: a tour exercises every operation, and every
/// answer it gets — status and content type — is one the document declares for that operation.
/// A new endpoint without a tour step, or an answer the document does not mention, fails here.
/// </summary>
[TestFixture]
public sealed class OpenApiConformance_Specs
{
    /// <summary>A small body limit, so the tour's 413 needs only a small body.</summary>
    public const int MaxBodyKb = 16;

    /// <summary>The stack's GitHub webhook secret: the tour signs its deliveries with it.</summary>
    public const string WebhookSecret = "tour-webhook-secret-0123456789";

    private TestStack _stack = null!;
    private OpenApiContract _contract = null!;
    private IReadOnlyList<RecordedExchange> _exchanges = null!;
    private List<string> _misses = null!;

    [OneTimeSetUp]
    public async Task WalkTheApi()
    {
        _stack = await TestStack.CreateAsync(apiSettings: new Dictionary<string, string?>
        {
            ["NARWHAL_API_MAX_BODY_KB"] = MaxBodyKb.ToString(),
            ["NARWHAL_GITHUB_WEBHOOK_SECRET"] = WebhookSecret,
        });
        using var anonymous = _stack.Client(token: null);
        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement.Clone();
        _contract = OpenApiContract.Parse(document, OpenApiContract.CatchAllTemplates(_stack.ApiService<EndpointDataSource>()));

        var recorder = new ExchangeRecorder(_stack.ApiUrl);
        using var tour = new ApiTour(_stack, recorder);
        await tour.RunAsync(_contract);
        _exchanges = recorder.Exchanges;
        _misses = tour.Misses;
    }

    [OneTimeTearDown]
    public async Task Stop() => await _stack.DisposeAsync();

    private static string Listed(IEnumerable<string> lines) => string.Join("\n", lines.Prepend(""));

    [Test]
    public void When_the_tour_runs_Should_get_the_status_each_step_aims_for()
    {
        Assert.That(_misses, Is.Empty, $"steps that got another status than they aimed for:{Listed(_misses)}");
    }

    [Test]
    public void When_a_request_is_sent_Should_name_exactly_one_documented_operation()
    {
        var findings = _exchanges.Where(e => _contract.Match(e.Method, e.Path).Count != 1).Select(e => _contract.Check(e)[0]).ToList();
        Assert.That(findings, Is.Empty, $"requests the document does not describe exactly once:{Listed(findings)}");
    }

    [Test]
    public void When_the_Api_answers_Should_use_only_status_codes_and_content_types_the_document_declares()
    {
        var findings = _exchanges.SelectMany(_contract.Check).Distinct().ToList();
        Assert.That(findings, Is.Empty, $"{findings.Count} answers drift from the document:{Listed(findings)}");
    }

    [Test]
    public void When_the_tour_ends_Should_have_exercised_every_documented_operation_with_a_success()
    {
        var succeeded = _exchanges.Where(e => e.Status is >= 200 and < 300)
            .SelectMany(e => _contract.Match(e.Method, e.Path)).Select(o => o.Key).ToHashSet();
        var missing = _contract.Operations.Select(o => o.Key).Where(k => !succeeded.Contains(k)).ToList();
        Assert.That(missing, Is.Empty, $"documented operations the tour never got a 2xx from (add a step to ApiTour):{Listed(missing)}");
        Assert.That(_contract.Operations, Has.Count.GreaterThanOrEqualTo(29));
    }

    [Test]
    public void When_the_tour_ends_Should_have_met_the_errors_clients_meet()
    {
        int[] expected = [202, 206, 304, 400, 401, 403, 404, 409, 410, 413, 415, 416, 422];
        var seen = _exchanges.Select(e => e.Status).ToHashSet();
        Assert.That(expected.Where(s => !seen.Contains(s)), Is.Empty, "statuses the tour never provoked");
        TestContext.Out.WriteLine($"{_contract.Operations.Count} operations, {_exchanges.Count} exchanges checked");
    }

    [Test]
    public void When_an_answer_drifts_Should_report_each_way_it_departs_from_the_document()
    {
        RecordedExchange[] drifted =
        [
            new("GET", "/nowhere", 200, "application/json"),
            new("PATCH", "/jobs/some-job", 200, "application/json"),
            new("GET", "/jobs/some-job", 418, "application/problem+json"),
            new("GET", "/jobs/some-job", 404, "text/html"),
            new("DELETE", "/jobs/some-job", 204, "application/json"),
            new("GET", $"/runs/{Guid.NewGuid()}/results/junit", 200, null),
        ];

        var findings = drifted.Select(e => _contract.Check(e)).ToList();

        Assert.That(findings.Select(f => f.Count), Is.All.EqualTo(1), Listed(findings.SelectMany(f => f)));
        Assert.That(findings[0][0], Does.Contain("no documented operation"));
        Assert.That(findings[1][0], Does.Contain("no documented operation"));
        Assert.That(findings[2][0], Does.Contain("status 418 is not documented for GET /jobs/{name}"));
        Assert.That(findings[3][0], Does.Contain("not text/html"));
        Assert.That(findings[4][0], Does.Contain("without a body"));
        Assert.That(findings[5][0], Does.Contain("no content type came back"));
        Assert.That(_contract.Check(new RecordedExchange("GET", $"/runs/{Guid.NewGuid()}/results/artifacts/a/b/c.txt", 200, "text/plain")), Is.Empty,
            "a catch-all path spans segments");
    }
}
