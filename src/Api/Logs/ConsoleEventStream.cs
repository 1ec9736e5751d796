using System.Text;
using System.Text.Json;
using Narwhal.Api.Runs;
using Narwhal.Core.Logs;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Logs;

/// <summary>
/// <c>GET …/results/console?follow=true</c>: the console log as Server-Sent Events — what exists,
/// then new output as it arrives, then an <c>end</c> event when the run is over. Each <c>log</c>
/// event's id is the byte offset after it, so a client reconnecting with <c>Last-Event-ID</c>
/// resumes exactly there: nothing lost, nothing twice.
/// </summary>
/// <remarks>
/// Events: <c>event: log</c> with <c>data: {"offset": N, "text": "…"}</c>; <c>event: end</c> with
/// <c>data: {"status": "…", "exitCode": N, "truncated": false}</c>. Comments (<c>: keep-alive</c>)
/// every 15 s keep proxies from closing an idle stream.
/// </remarks>
public sealed class ConsoleEventStream(Guid runId, RunStore runs, LogChunkStore chunks, IObjectStore store, LogNotificationHub hub) : IResult
{
    private const int ReadBytes = 1024 * 1024;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public async Task ExecuteAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var response = context.Response;
        var offset = ParseLastEventId(context.Request);
        // Subscribe before the first read, so no signal can fall between reading and waiting.
        using var subscription = hub.Subscribe(runId);

        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(ct);

        try
        {
            while (true)
            {
                var run = await runs.GetAsync(runId, ct);
                if (run is null) return;
                if (run.LogKey is not null)
                {
                    offset = await SendStoredAsync(response, run.LogKey, offset, ct);
                    await SendEndAsync(response, run, ct);
                    return;
                }

                var sent = await SendChunksAsync(response, offset, ct);
                offset += sent;
                if (sent > 0) continue;
                if (run.Status.IsTerminal())
                {
                    // Ended without a stored log (upload failed, or never started): the chunks were all there is.
                    await SendEndAsync(response, run, ct);
                    return;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(KeepAlive);
                try
                {
                    await subscription.Signals.WaitToReadAsync(wait.Token);
                    while (subscription.Signals.TryRead(out _)) { }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await WriteAsync(response, ": keep-alive\n\n", ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The follower went away.
        }
    }

    private static long ParseLastEventId(HttpRequest request)
    {
        var raw = request.Headers["Last-Event-ID"].FirstOrDefault() ?? request.Query["lastEventId"].FirstOrDefault();
        return long.TryParse(raw, out var offset) && offset >= 0 ? offset : 0;
    }

    private async Task<long> SendChunksAsync(HttpResponse response, long offset, CancellationToken ct)
    {
        var pieces = await chunks.ReadAsync(runId, offset, ReadBytes, ct);
        long sent = 0;
        foreach (var chunk in pieces)
        {
            // A chunk after a gap (a piece the Runner could not ship live) is sent from where it starts;
            // the stored log, served after the run, has everything.
            var start = Math.Max(chunk.Offset, offset + sent);
            var data = chunk.Data.AsMemory((int)(start - chunk.Offset));
            if (start > offset + sent) sent = start - offset;
            var complete = Utf8Boundary.CompletePrefixLength(data.Span);
            if (complete == 0) break;
            await SendLogAsync(response, offset + sent, data[..complete], ct);
            sent += complete;
            if (complete < data.Length) break;
        }
        return sent;
    }

    private async Task<long> SendStoredAsync(HttpResponse response, string key, long offset, CancellationToken ct)
    {
        var info = await store.StatAsync(key, ct);
        if (info is null || offset >= info.Size) return offset;
        await using var stored = await store.GetAsync(key, new ByteRange(offset, null), ct);
        if (stored is null) return offset;
        var buffer = new byte[64 * 1024];
        var held = 0;
        int read;
        while ((read = await stored.Content.ReadAsync(buffer.AsMemory(held), ct)) > 0 || held > 0)
        {
            var available = held + read;
            var complete = read == 0 ? available : Utf8Boundary.CompletePrefixLength(buffer.AsSpan(0, available));
            if (complete == 0 && read == 0) break;
            await SendLogAsync(response, offset, buffer.AsMemory(0, complete), ct);
            offset += complete;
            held = available - complete;
            buffer.AsSpan(complete, held).CopyTo(buffer);
            if (read == 0) break;
        }
        return offset;
    }

    private static Task SendLogAsync(HttpResponse response, long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var payload = JsonSerializer.Serialize(new { offset, text = Encoding.UTF8.GetString(data.Span) });
        return WriteAsync(response, $"id: {offset + data.Length}\nevent: log\ndata: {payload}\n\n", ct);
    }

    private static Task SendEndAsync(HttpResponse response, Run run, CancellationToken ct)
    {
        var payload = Json.Serialize(new { status = run.Status, exitCode = run.ExitCode, truncated = run.LogTruncated, reason = run.StatusReason });
        return WriteAsync(response, $"event: end\ndata: {payload}\n\n", ct);
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}
