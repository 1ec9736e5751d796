using System.Diagnostics.Metrics;
using Narwhal.Api.Tests.Support;
using Narwhal.Core.Metrics;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobRequests;

namespace Narwhal.Api.Tests.Metrics;

/// <summary>The Api's Meter: triggered runs by class and trigger kind, held runs, and request durations by route template.</summary>
[TestFixture]
public sealed class ApiMetrics_Specs : StackFixture
{
    private PrometheusCollector _collector = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        // This Api's meters only (its own IMeterFactory), listened to from before the requests.
        _collector = new PrometheusCollector(new PrometheusCollectorOptions { MeterScope = Stack.ApiService<IMeterFactory>() });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _collector.Dispose();
    }

    [Test]
    public async Task When_runs_are_triggered_Should_count_them_by_class_and_trigger_and_time_the_requests_by_route()
    {
        await Client.CreateJobAsync("metered", Freestyle() with { MaxConcurrent = 1 });
        await Client.CreateJobAsync("metered-large", Freestyle() with { ResourceClass = "large" });
        await Client.TriggerAsync("metered");
        await Client.TriggerAsync("metered");
        await Client.TriggerAsync("metered-large");
        await Client.GetAsync("/runs/not-a-guid/nowhere");

        var text = _collector.Scrape();

        Assert.That(text, Does.Contain("narwhal_runs_triggered_total{class=\"small\",trigger=\"api\"} 2"), text);
        Assert.That(text, Does.Contain("narwhal_runs_triggered_total{class=\"large\",trigger=\"api\"} 1"));
        Assert.That(text, Does.Contain("narwhal_runs_held_total{class=\"small\"} 1"));
        Assert.That(text, Does.Match("narwhal_http_request_duration_seconds_count\\{[^}]*route=\"/jobs/\\{name\\}/runs\"[^}]*status=\"201\"[^}]*\\} 3"));
        Assert.That(text, Does.Match("narwhal_http_request_duration_seconds_count\\{method=\"GET\",route=\"unmatched\",status=\"404\"\\} 1"));
    }

    [Test]
    public async Task Get_metrics_Should_answer_Prometheus_text_without_a_token()
    {
        (await Client.GetAsync("/jobs")).EnsureSuccessStatusCode(); // the other test counts triggers: only read here
        using var anonymous = Stack.Client(token: null);
        var response = await anonymous.GetAsync("/metrics");
        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Content.Headers.ContentType?.ToString(), Does.StartWith("text/plain; version=0.0.4"));
        var metrics = Narwhal.Testing.Metrics.PrometheusTextParser.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(metrics["narwhal_http_request_duration_seconds"].Samples.Any(s => s.Labels.GetValueOrDefault("route") == "/jobs"), "GET /jobs was timed");
        Assert.That(metrics["narwhal_http_request_duration_seconds"].Type, Is.EqualTo("histogram"));
    }
}
