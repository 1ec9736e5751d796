using Narwhal.Testing;
using Narwhal.Testing.Metrics;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Fleet;

/// <summary>The Runner's /metrics: Prometheus text that a strict parser accepts, with what a run recorded.</summary>
[TestFixture]
public sealed class RunnerMetricsEndpoint_Specs : FleetFixture
{
    [Test]
    public async Task After_a_run_Should_expose_slots_pickup_latency_duration_and_log_bytes()
    {
        var runner = await Stack.StartRunnerAsync("metrics-runner");
        (await Client.PutFreestyleJobAsync("metrics-job", TestEnvironment.BusyboxImage, "echo some output")).EnsureSuccessStatusCode();
        var run = await Client.TriggerAsync("metrics-job");
        var ended = await Client.WaitForRunEndAsync(run.Str("id"));
        Assert.That(ended.Str("status"), Is.EqualTo("succeeded"));

        using var http = new HttpClient { BaseAddress = new Uri(TestStack.BoundAddress(runner)) };
        var response = await http.GetAsync("/metrics");
        Assert.That(response.Content.Headers.ContentType?.ToString(), Does.StartWith("text/plain; version=0.0.4"));
        var metrics = PrometheusTextParser.Parse(await response.Content.ReadAsStringAsync());

        Assert.That(metrics["narwhal_runner_slots"].Samples.Select(s => s.Label("state")), Is.EquivalentTo(new[] { "busy", "free" }));
        Assert.That(metrics["narwhal_run_pickup_latency_seconds"].Type, Is.EqualTo("histogram"));
        var count = metrics["narwhal_run_duration_seconds"].Samples
            .Where(s => s.Name == "narwhal_run_duration_seconds_count" && s.Labels.GetValueOrDefault("status") == "succeeded").Sum(s => s.Value);
        Assert.That(count, Is.EqualTo(1), "one succeeded run recorded");
        Assert.That(metrics["narwhal_log_bytes_shipped_total"].Samples.Sum(s => s.Value), Is.GreaterThanOrEqualTo("some output\n".Length));
        Assert.That(metrics.Families.ContainsKey("process_resident_memory_bytes"));
    }
}
