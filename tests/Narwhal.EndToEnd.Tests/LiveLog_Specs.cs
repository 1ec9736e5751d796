using System.Net;
using System.Text;
using System.Text.Json;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>Watching a run live: output arrives while the job still runs, a reconnect resumes exactly, a log over the limit says so.</summary>
[TestFixture]
public sealed class LiveLog_Specs : StackFixture
{
    [OneTimeSetUp]
    public async Task Start()
    {
        await Stack.StartRunnerAsync("live-runner", new Dictionary<string, string?> { ["NARWHAL_LOG_MAX_MB"] = "0.05" });
        await Client.PutFreestyleJobAsync("ticker", TestEnvironment.BusyboxImage,
            "for i in $(seq 1 30); do echo tick-$i; sleep 0.2; done", "echo héllo-ünïcode-done");
    }

    private sealed record SseEvent(string? Id, string Event, string Data);

    /// <summary>Reads events from a follow stream until <paramref name="stop"/> says so or the stream ends.</summary>
    private async Task<List<SseEvent>> FollowAsync(string runId, string? lastEventId, Func<SseEvent, bool> stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/runs/{runId}/results/console?follow=true");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/event-stream"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        var events = new List<SseEvent>();
        string? id = null, name = null;
        var data = new StringBuilder();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null)
                {
                    var e = new SseEvent(id, name, data.ToString());
                    events.Add(e);
                    if (stop(e)) break;
                }
                id = name = null;
                data.Clear();
            }
            else if (line.StartsWith("id: ")) id = line[4..];
            else if (line.StartsWith("event: ")) name = line[7..];
            else if (line.StartsWith("data: ")) data.Append(line[6..]);
        }
        return events;
    }

    private static string Text(IEnumerable<SseEvent> events) =>
        string.Concat(events.Where(e => e.Event == "log").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()));

    [Test]
    public async Task When_a_follower_watches_a_running_job_Should_see_lines_while_it_runs_and_resume_without_loss_after_reconnecting()
    {
        var run = await Client.TriggerAsync("ticker");
        var id = run.Str("id");

        // First connection: until tick-3 has arrived, then hang up.
        var first = await FollowAsync(id, null, e => Text([e]).Contains("tick-3\n"));
        var statusWhenSeen = (await Client.GetJsonAsync($"/runs/{id}")).Str("status");
        Assert.That(statusWhenSeen, Is.EqualTo("running"), "lines arrive while the job is still running");

        // Reconnect where the first stream stopped, and follow to the end.
        var second = await FollowAsync(id, first[^1].Id, e => e.Event == "end");
        Assert.That(second[^1].Event, Is.EqualTo("end"));
        Assert.That(JsonDocument.Parse(second[^1].Data).RootElement.GetProperty("status").GetString(), Is.EqualTo("succeeded"));

        var followed = Text(first) + Text(second);
        var stored = await Client.GetStringAsync($"/runs/{id}/results/console");
        Assert.That(followed, Is.EqualTo(stored), "the two streams together are exactly the stored log");
        Assert.That(stored, Does.Contain("tick-30\n").And.Contain("héllo-ünïcode-done"));
    }

    [Test]
    public async Task When_a_finished_run_is_followed_Should_send_the_whole_log_then_end()
    {
        var run = await Client.TriggerAsync("ticker");
        await Client.WaitForRunEndAsync(run.Str("id"));

        var events = await FollowAsync(run.Str("id"), null, e => e.Event == "end");

        Assert.That(Text(events), Is.EqualTo(await Client.GetStringAsync($"/runs/{run.Str("id")}/results/console")));
        Assert.That(events[^1].Event, Is.EqualTo("end"));
    }

    [Test]
    public async Task When_the_output_exceeds_the_log_limit_Should_end_with_a_marker_and_flag_the_run_truncated()
    {
        // 50 KiB limit in this fixture; this writes about 200 KiB.
        await Client.PutFreestyleJobAsync("chatty", TestEnvironment.BusyboxImage, "for i in $(seq 1 4000); do echo line-$i-padding-padding-padding; done", "echo finished");
        var run = await Client.TriggerAsync("chatty");
        var done = await Client.WaitForRunEndAsync(run.Str("id"));
        var log = await Client.GetStringAsync($"/runs/{run.Str("id")}/results/console");

        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(done.GetProperty("logTruncated").GetBoolean(), Is.True);
        Assert.That(log, Does.Contain("line-1-"));
        Assert.That(log, Does.Not.Contain("line-4000-"));
        Assert.That(log.TrimEnd(), Does.EndWith("further output was dropped."));
        Assert.That(Encoding.UTF8.GetByteCount(log), Is.LessThan(52 * 1024));
    }
}

/// <summary>A large log arrives complete and in order, through the live chunks and in the stored object.</summary>
[TestFixture]
public sealed class LargeLog_Specs
{
    private static readonly string Padding = new('x', 89);

    [Test]
    public async Task When_a_job_prints_200_MB_Should_store_every_line_in_order()
    {
        await using var stack = await TestStack.CreateAsync();
        using var client = stack.Client();
        await stack.StartRunnerAsync("big-log");
        // 2,000,000 numbered lines of 100 bytes (9 digits, a space, 89 x's, a newline): 200,000,000 bytes.
        await client.PutFreestyleJobAsync("loud", TestEnvironment.BusyboxImage, $"seq 100000000 101999999 | sed 's/$/ {Padding}/'");
        var run = await client.TriggerAsync("loud");
        var done = await client.WaitForRunEndAsync(run.Str("id"), TimeSpan.FromMinutes(10));
        Assert.That(done.Str("status"), Is.EqualTo("succeeded"));
        Assert.That(done.GetProperty("logTruncated").GetBoolean(), Is.False);
        Assert.That(done.GetProperty("logSize").GetInt64(), Is.EqualTo(200_000_000));

        // Streamed check, line by line: nothing missing, nothing doubled, nothing out of order.
        using var response = await client.GetAsync($"/runs/{run.Str("id")}/results/console", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        long expected = 100_000_000;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line != $"{expected} {Padding}")
                Assert.Fail($"expected line {expected}, found '{line}'");
            expected++;
        }
        Assert.That(expected, Is.EqualTo(102_000_000));
        Assert.That(await stack.Database.ScalarAsync<long>("SELECT count(*) FROM run_log_chunks"), Is.EqualTo(0), "live chunks are cleaned up");
    }
}

/// <summary>The console of a running run over plain HTTP: what has arrived so far, ranges included.</summary>
[TestFixture]
public sealed class RunningConsole_Specs
{
    [Test]
    public async Task When_a_running_runs_console_is_read_with_a_range_Should_answer_206_from_what_has_arrived()
    {
        await using var stack = await TestStack.CreateAsync();
        using var client = stack.Client();
        await stack.StartRunnerAsync("range-runner");
        await client.PutFreestyleJobAsync("slow-talker", TestEnvironment.BusyboxImage, "echo 0123456789abcdef", "sleep 300");
        var run = await client.TriggerAsync("slow-talker");
        var path = $"/runs/{run.Str("id")}/results/console";
        await Eventually.UntilAsync(async () => (await client.GetStringAsync(path)).Contains("abcdef"), "the first line to arrive");

        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(4, 9);
        var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("456789"));
        Assert.That(response.Headers.CacheControl!.NoStore, Is.True);
        Assert.That((await client.GetJsonAsync($"/runs/{run.Str("id")}")).Str("status"), Is.EqualTo("running"));
        await client.PostAsync($"/runs/{run.Str("id")}/abort", null);
        await client.WaitForRunEndAsync(run.Str("id"));
    }
}
