using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Narwhal.Runner.Execution;
using Narwhal.Testing;

namespace Narwhal.Bench;

public sealed record EndToEndResult(
    int Runs, int Warmup, int PollMs, int Failed, IReadOnlyList<string> FirstErrors,
    Series TriggerAnswered, Series TriggerToStart, Series TriggerToDie, Series TriggerToTerminal, Series StartToTerminal,
    double WallSeconds);

/// <summary>
/// Phase 2: one run at a time through the whole system (Api → Postgres → RabbitMQ → Runner with one
/// slot → Docker), for a job whose script is <c>true</c>. Per run, from the moment the trigger request
/// is sent: the container's start and die events (Docker's own timestamps), and the first GET
/// /runs/{id} answer (polled every <see cref="BenchOptions.PollMs"/> ms) with a terminal status.
/// </summary>
public static class EndToEnd
{
    private const string Job = "bench-true";
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan EventDeadline = TimeSpan.FromSeconds(15);

    private sealed record Sample(double AnsweredMs, double StartMs, double DieMs, double TerminalMs);

    public static async Task<EndToEndResult> RunAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        say("creating a stack (own database, vhost, bucket) with one Runner (1 slot)…");
        await using var stack = await TestStack.CreateAsync(apiSettings: Quiet.Settings);
        using var client = stack.Client();
        client.Timeout = TimeSpan.FromSeconds(30);
        var put = await client.PutFreestyleJobAsync(Job, TestEnvironment.BusyboxImage, "true");
        if (put.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"PUT /jobs/{Job} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(ct)}");

        // Subscribed before anything can start: no event of this stack is missed.
        await using var events = await DockerEventStream.OpenAsync(TestEnvironment.DockerHost, stack.Instance, RunLabels.RunId, ct);
        await stack.StartRunnerAsync("bench-runner", new Dictionary<string, string?>(Quiet.Settings) { ["NARWHAL_RUNNER_SLOTS"] = "1" });

        if (options.Warmup > 0) say($"warm-up: {options.Warmup} run(s), not measured (also proves the events stream delivers)…");
        for (var i = 0; i < options.Warmup; i++)
        {
            var (_, error) = await OneRunAsync(client, events, options.PollMs, ct);
            if (error is not null) throw new InvalidOperationException($"Warm-up run {i + 1} failed: {error}");
        }

        say($"measuring: {options.Runs} sequential runs (trigger, wait for the end, next)…");
        var samples = new List<Sample>();
        var errors = new List<string>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < options.Runs; i++)
        {
            Sample? sample;
            string? error;
            try
            {
                (sample, error) = await OneRunAsync(client, events, options.PollMs, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                (sample, error) = (null, $"{ex.GetType().Name}: {ex.Message}");
            }
            if (sample is not null) samples.Add(sample);
            if (error is not null)
            {
                failed++;
                if (errors.Count < 5) errors.Add($"run {i + 1}: {error}");
                if (failed >= Math.Max(5, options.Runs / 10))
                    throw new InvalidOperationException($"Stopped after {failed} failed runs; first errors:\n  {string.Join("\n  ", errors)}");
            }
            if ((i + 1) % 20 == 0 && i + 1 < options.Runs) say($"  {i + 1}/{options.Runs} runs done");
        }

        return new EndToEndResult(options.Runs, options.Warmup, options.PollMs, failed, errors,
            Series.Of("trigger → 201 answer", samples.Select(s => s.AnsweredMs)),
            Series.Of("trigger → container start (event)", samples.Select(s => s.StartMs)),
            Series.Of("trigger → container die (event)", samples.Select(s => s.DieMs)),
            Series.Of("trigger → terminal status (API poll)", samples.Select(s => s.TerminalMs)),
            Series.Of("container start → terminal (API)", samples.Select(s => s.TerminalMs - s.StartMs)),
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>One run, end to end. Returns its sample, or an error (a run that did not succeed is not a sample).</summary>
    private static async Task<(Sample? Sample, string? Error)> OneRunAsync(HttpClient client, DockerEventStream events, int pollMs, CancellationToken ct)
    {
        var wallStart = WallClock.NowUnixNs();
        var started = Stopwatch.GetTimestamp();
        string runId;
        double answeredMs;
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/jobs/{Job}/runs") { Content = new StringContent("{}", null, "application/json") })
        using (var response = await client.SendAsync(request, ct))
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            answeredMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.Created) return (null, $"trigger answered {(int)response.StatusCode}: {body}");
            runId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        }

        // Poll at a fixed cadence; a poll that takes longer than the period is followed at once by the next.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(pollMs));
        string status;
        double terminalMs;
        JsonElement run;
        while (true)
        {
            run = await client.GetFromJsonAsync<JsonElement>($"/runs/{runId}", ct);
            status = run.GetProperty("status").GetString() ?? "";
            if (status is not ("queued" or "running"))
            {
                terminalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                break;
            }
            if (Stopwatch.GetElapsedTime(started) > RunDeadline)
                return (null, $"run {runId} still {status} after {RunDeadline.TotalSeconds:0} s");
            await timer.WaitForNextTickAsync(ct);
        }

        DockerEvent start, die;
        try
        {
            start = await events.WaitAsync(runId, "start", EventDeadline, ct);
            die = await events.WaitAsync(runId, "die", EventDeadline, ct);
        }
        catch (TimeoutException ex)
        {
            return (null, $"run {runId} ended {status} but: {ex.Message}");
        }

        var sample = new Sample(answeredMs, WallClock.Ms(wallStart, start.TimeNano), WallClock.Ms(wallStart, die.TimeNano), terminalMs);
        if (status != "succeeded")
        {
            var reason = run.TryGetProperty("statusReason", out var r) ? r.ToString() : "";
            return (null, $"run {runId} ended {status}: {reason}");
        }
        if (die.Attributes.TryGetValue("exitCode", out var exit) && exit != "0") return (null, $"run {runId}: container exit code {exit}");
        return (sample, null);
    }
}
