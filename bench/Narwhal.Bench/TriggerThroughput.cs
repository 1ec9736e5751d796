using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Narwhal.Core.Messaging;
using Narwhal.Testing;

namespace Narwhal.Bench;

public sealed record TriggerResult(
    int Requested, int Concurrency, int Warmup, int Accepted, int Failed, IReadOnlyList<string> FirstErrors,
    double ElapsedSeconds, double RunsPerSecond, Series Latency,
    long RunsStored, long OutboxUnpublished, int? QueueReady, string QueueNote);

/// <summary>
/// Phase 1: the Api's trigger path alone. A TestStack without any Runner (runs stay queued), a fixed
/// number of POST /jobs/{name}/runs with a fixed number in flight. Each request is: auth, job
/// lookup, validation, run + outbox row in one transaction, publish with confirms, mark published.
/// </summary>
public static class TriggerThroughput
{
    private const string Job = "bench-trigger";
    private const string WarmupJob = "bench-trigger-warmup";

    public static async Task<TriggerResult> RunAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        say("creating a stack (own database, vhost, bucket; Api only, no Runner)…");
        await using var stack = await TestStack.CreateAsync(apiSettings: Quiet.Settings);
        using (var admin = stack.Client())
        {
            foreach (var job in new[] { Job, WarmupJob })
            {
                var put = await admin.PutFreestyleJobAsync(job, TestEnvironment.BusyboxImage, "true");
                if (put.StatusCode != HttpStatusCode.Created)
                    throw new InvalidOperationException($"PUT /jobs/{job} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(ct)}");
            }
        }

        using var client = LoadClient(stack, options.Concurrency);
        if (options.TriggerWarmup > 0)
        {
            say($"warm-up: {options.TriggerWarmup} triggers of {WarmupJob} (not measured)…");
            var warm = await FireAsync(client, WarmupJob, options.TriggerWarmup, options.Concurrency, ct);
            if (warm.Failed > 0) throw new InvalidOperationException($"{warm.Failed} of {options.TriggerWarmup} warm-up triggers failed; first: {warm.Errors.FirstOrDefault()}");
        }

        say($"measuring: {options.Triggers} triggers of {Job}, {options.Concurrency} in flight…");
        var fired = await FireAsync(client, Job, options.Triggers, options.Concurrency, ct);
        var accepted = options.Triggers - fired.Failed;

        // What the requests left behind: every run stored, every outbox row published inline.
        var stored = await stack.Database.ScalarAsync<long>("SELECT count(*) FROM runs WHERE job_name = @job", new { job = Job });
        var unpublished = await stack.Database.ScalarAsync<long>(
            "SELECT count(*) FROM outbox o JOIN runs r ON r.id = o.run_id WHERE r.job_name = @job AND o.published_at IS NULL", new { job = Job });
        var (ready, note) = await QueueDepthAsync(stack, options.TriggerWarmup + accepted, ct);

        return new TriggerResult(options.Triggers, options.Concurrency, options.TriggerWarmup, accepted, fired.Failed, fired.Errors,
            fired.Elapsed.TotalSeconds, accepted / fired.Elapsed.TotalSeconds, Series.Of("trigger latency (concurrent)", fired.LatenciesMs),
            stored, unpublished, ready, note);
    }

    internal static HttpClient LoadClient(TestStack stack, int concurrency)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
        };
        var client = new HttpClient(handler) { BaseAddress = stack.ApiUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestStack.AdminToken);
        return client;
    }

    internal sealed record Fired(double[] LatenciesMs, int Failed, List<string> Errors, TimeSpan Elapsed);

    internal static async Task<Fired> FireAsync(HttpClient client, string job, int count, int concurrency, CancellationToken ct)
    {
        var latencies = new double[count];
        Array.Fill(latencies, double.NaN);
        var errors = new List<string>();
        var failed = 0;
        var next = -1;
        // Give up early when the Api is plainly broken rather than hammering it for minutes.
        var failureLimit = Math.Max(20, count / 100);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var path = $"/jobs/{job}/runs";

        async Task Worker()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= count || abort.IsCancellationRequested) return;
                var started = Stopwatch.GetTimestamp();
                string? error;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}", null, "application/json") };
                    using var response = await client.SendAsync(request, abort.Token);
                    var body = await response.Content.ReadAsStringAsync(abort.Token);
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        latencies[i] = elapsed;
                        continue;
                    }
                    error = $"HTTP {(int)response.StatusCode}: {Truncate(body)}";
                }
                catch (OperationCanceledException) when (abort.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    error = $"{ex.GetType().Name}: {ex.Message}";
                }
                lock (errors)
                {
                    failed++;
                    if (errors.Count < 5) errors.Add(error);
                    if (failed >= failureLimit) abort.Cancel();
                }
            }
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker, CancellationToken.None)));
        clock.Stop();
        ct.ThrowIfCancellationRequested();
        if (abort.IsCancellationRequested)
            throw new InvalidOperationException($"Stopped after {failed} failed triggers; first errors:\n  {string.Join("\n  ", errors)}");
        return new Fired(latencies, failed, errors, clock.Elapsed);
    }

    /// <summary>Ready messages in the class queue per the management API (its statistics lag a few seconds).</summary>
    private static async Task<(int? Ready, string Note)> QueueDepthAsync(TestStack stack, int expected, CancellationToken ct)
    {
        var queue = RunQueues.QueueName("small");
        var clock = Stopwatch.StartNew();
        TestVhost.QueueState? last = null;
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                last = await stack.Vhost.QueueAsync(queue);
                if (last?.MessagesReady >= expected) return (last.MessagesReady, $"{queue}: {last.MessagesReady} ready (expected {expected})");
                await Task.Delay(500, ct);
            }
            return (last?.MessagesReady, $"{queue}: {last?.MessagesReady.ToString() ?? "no queue"} ready after 15 s, expected {expected} (management statistics lag, or publishes missing)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return (null, $"queue depth unknown: {ex.Message}");
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
