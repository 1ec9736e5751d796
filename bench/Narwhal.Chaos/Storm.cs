using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Narwhal.Chaos;

/// <summary>One run the Api accepted (answered 201), and when.</summary>
public sealed record AcceptedRun(string Job, Guid Id, DateTime AcceptedAt);

/// <summary>What a trigger storm got: the accepted runs, and the requests that were not accepted.</summary>
public sealed record StormResult(IReadOnlyList<AcceptedRun> Accepted, int Refused, IReadOnlyList<string> FirstErrors);

/// <summary>
/// A trigger storm: a fixed number of <c>POST /jobs/{name}/runs</c>, the jobs taken in turn, a fixed
/// number in flight. Bounded in count and in time: every request has a timeout, and a refused or failed
/// request is counted, never retried (a run the Api did not accept is not part of the promise).
/// </summary>
public static class Storm
{
    public static async Task<StormResult> FireAsync(ChaosStack chaos, IReadOnlyList<string> jobs, int runs, int inFlight, CancellationToken ct,
        Func<AcceptedRun, Task>? onAccepted = null)
    {
        using var client = chaos.Client();
        client.Timeout = TimeSpan.FromSeconds(30);
        var accepted = new List<AcceptedRun>();
        var errors = new List<string>();
        var refused = 0;
        var next = -1;
        var followUps = new List<Task>();
        async Task WorkerAsync()
        {
            while (Interlocked.Increment(ref next) is var i && i < runs)
            {
                var job = jobs[i % jobs.Count];
                try
                {
                    using var response = await client.PostAsJsonAsync($"/jobs/{job}/runs", new { }, ct);
                    var body = await response.Content.ReadAsStringAsync(ct);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref refused);
                        lock (errors) if (errors.Count < 5) errors.Add($"{(int)response.StatusCode}: {body[..Math.Min(body.Length, 200)]}");
                        continue;
                    }
                    var run = new AcceptedRun(job, JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid(), DateTime.UtcNow);
                    lock (accepted)
                    {
                        accepted.Add(run);
                        if (onAccepted is not null) followUps.Add(onAccepted(run));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref refused);
                    lock (errors) if (errors.Count < 5) errors.Add(ex.Message);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(WorkerAsync, ct)));
        Task[] pending;
        lock (accepted) pending = [.. followUps];
        await Task.WhenAll(pending);
        return new StormResult(accepted, refused, errors);
    }
}
