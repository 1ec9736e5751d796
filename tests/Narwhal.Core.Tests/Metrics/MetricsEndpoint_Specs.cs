using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Narwhal.Core.Metrics;
using Narwhal.Testing.Metrics;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Metrics;

/// <summary>
/// <c>AddNarwhalMetrics</c> + <c>MapNarwhalMetrics</c> in a real Kestrel host: GET /metrics answers
/// anonymously in the 0.0.4 text format with the host's own meters and the process gauges, and
/// stays out of the OpenAPI description.
/// </summary>
[TestFixture]
public sealed class MetricsEndpoint_Specs
{
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddNarwhalMetrics();
        _app = builder.Build();
        _app.MapNarwhalMetrics();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    [OneTimeTearDown]
    public async Task StopHost()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Test]
    public async Task When_GET_metrics_Should_answer_the_text_format_with_the_hosts_meters_and_process_gauges()
    {
        var meter = _app.Services.GetRequiredService<IMeterFactory>().Create("Narwhal.Api");
        meter.CreateCounter<long>("narwhal_test_endpoint_requests_total", null, "Requests seen by the test.").Add(3);
        // A Meter of another host in this process (its own IMeterFactory) must not leak in.
        using var otherHost = new ServiceCollection().AddMetrics().BuildServiceProvider();
        otherHost.GetRequiredService<IMeterFactory>().Create("Narwhal.Api").CreateCounter<long>("narwhal_test_other_host_total").Add(1);

        using var response = await _http.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        var metrics = PrometheusTextParser.Parse(body);

        Assert.Multiple(() =>
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200), body);
            Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
            Assert.That(metrics["narwhal_test_endpoint_requests_total"].Samples.Single().Value, Is.EqualTo(3));
            Assert.That(metrics.Families.ContainsKey("narwhal_test_other_host_total"), Is.False);
            Assert.That(metrics["process_resident_memory_bytes"].Samples.Single().Value, Is.GreaterThan(0));
            Assert.That(metrics["process_cpu_seconds_total"].Type, Is.EqualTo("counter"));
            Assert.That(metrics["dotnet_gc_heap_size_bytes"].Type, Is.EqualTo("gauge"));
            Assert.That(metrics["dotnet_gc_collections_total"].Samples.Select(s => s.Label("generation")), Does.Contain("0"));
        });
    }

    [Test]
    public void When_mapped_Should_be_anonymous_and_excluded_from_the_API_description()
    {
        var endpoint = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>().Single(e => e.RoutePattern.RawText == "/metrics");

        Assert.That(endpoint.Metadata.GetMetadata<IAllowAnonymous>(), Is.Not.Null);
        Assert.That(endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription, Is.True);
    }
}
