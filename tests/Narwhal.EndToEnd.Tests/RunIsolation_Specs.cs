using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>
/// Every run's containers sit on a network of their own: a job cannot open a connection to another
/// run's containers, nor to services the Runner's host keeps on its loopback.
/// </summary>
[TestFixture]
public sealed partial class RunIsolation_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        await Stack.StartRunnerAsync("isolation-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_SLOTS"] = "2" });
    }

    /// <summary>
    /// A shell line that sends an HTTP GET with nc and prints NAME=REACHED when the answer holds
    /// <paramref name="expect"/>, NAME=UNREACHABLE otherwise (the static busybox's wget cannot be used:
    /// it crashes resolving names).
    /// </summary>
    private static string Probe(string host, int port, string expect, string name) =>
        $"if printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {host} {port} | grep -q {expect}; then echo {name}=REACHED; else echo {name}=UNREACHABLE; fi";

    [GeneratedRegex(@"ADDRESS=(\d+\.\d+\.\d+\.\d+)")]
    private static partial Regex Address();

    [Test]
    public async Task When_two_runs_execute_at_once_Should_not_let_one_reach_the_others_container()
    {
        // The target serves HTTP and proves it can be reached at all — from inside its own network.
        (await Client.PutFreestyleJobAsync("isolation-target", TestEnvironment.BusyboxImage,
            "mkdir -p /tmp/www && echo served > /tmp/www/index.html",
            "httpd -p 8080 -h /tmp/www",
            Probe("$(hostname -i)", 8080, "served", "SELF"),
            "echo ADDRESS=$(hostname -i)",
            "sleep 120")).EnsureSuccessStatusCode();
        (await Client.PutAsJsonAsync("/jobs/isolation-prober", new
        {
            type = "freestyle",
            image = TestEnvironment.BusyboxImage,
            script = new[] { Probe("$TARGET", 8080, "served", "PROBE") },
            parameters = new[] { new { name = "TARGET", @default = "" } },
        }, Json.Options)).EnsureSuccessStatusCode();

        var target = (await Client.TriggerAsync("isolation-target")).Str("id");
        var address = await Eventually.UntilAsync(async () => Address().Match(await Client.GetStringAsync($"/runs/{target}/results/console")),
            m => m.Success, "the target run to print its address", TimeSpan.FromSeconds(60));
        var targetLog = await Client.GetStringAsync($"/runs/{target}/results/console");
        Assert.That(targetLog, Does.Contain("SELF=REACHED"), "the target's server answers on its address");

        var probe = (await Client.TriggerAsync("isolation-prober", new { parameters = new Dictionary<string, string> { ["TARGET"] = address.Groups[1].Value } })).Str("id");
        var done = await Client.WaitForRunEndAsync(probe, TimeSpan.FromSeconds(90));
        var probeLog = await Client.GetStringAsync($"/runs/{probe}/results/console");
        await Client.PostAsync($"/runs/{target}/abort", null);

        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(probeLog, Does.Contain("PROBE=UNREACHABLE"), probeLog);
        Assert.That(probeLog, Does.Not.Contain("served"));
    }

    [Test]
    public async Task When_a_job_connects_to_its_gateway_Should_not_reach_the_hosts_loopback_services()
    {
        // The Api of this stack listens on the host's loopback only.
        var port = Stack.ApiUrl.Port;
        (await Client.PutFreestyleJobAsync("isolation-host", TestEnvironment.BusyboxImage,
            "GATEWAY=$(ip route | awk '/default/ {print $3}')",
            "echo GATEWAY=$GATEWAY",
            Probe("$GATEWAY", port, "status", "HOST"),
            Probe("127.0.0.1", port, "status", "LOOPBACK")))
            .EnsureSuccessStatusCode();

        var run = (await Client.TriggerAsync("isolation-host")).Str("id");
        var done = await Client.WaitForRunEndAsync(run, TimeSpan.FromSeconds(90));
        var log = await Client.GetStringAsync($"/runs/{run}/results/console");

        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(log, Does.Match(@"GATEWAY=\d+\.\d+\.\d+\.\d+"), log);
        Assert.That(log, Does.Contain("HOST=UNREACHABLE"), log);
        Assert.That(log, Does.Contain("LOOPBACK=UNREACHABLE"), log);
    }
}
