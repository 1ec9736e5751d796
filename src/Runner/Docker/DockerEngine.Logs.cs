using System.Net.Http.Json;
using Microsoft.Extensions.Logging;

namespace Narwhal.Runner.Docker;

public sealed partial class DockerEngine
{
    /// <summary>Entries a catch-up first asks for from the end of the log; widened when they do not reach back far enough.</summary>
    private const int CatchUpTail = 256;
    private const int MaxFollowResumes = 20;

    /// <summary>
    /// Follows stdout and stderr from the start until the container has exited, and makes sure
    /// nothing is missing at the end: Docker 20.10 can end a follow before the end of the log file
    /// when the container exits under load, so once it has exited, what the follow did not deliver
    /// is read again (by entry timestamp, see <see cref="DockerLogCursor"/>). A follow dropped while
    /// the container still runs is resumed the same way.
    /// </summary>
    public async Task StreamLogsAsync(string containerId, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
    {
        var cursor = new DockerLogCursor();
        async ValueTask Deliver(LogFrame frame, CancellationToken token)
        {
            if (cursor.Accept(frame) is { IsEmpty: false } text) await onOutput(frame with { Data = text }, token);
        }

        for (var resumes = 0; ; resumes++)
        {
            cursor.BeginRead();
            // No timeout: the stream lasts as long as the container runs. Only the token ends it early.
            await ReadLogsAsync(containerId, follow: true, cursor.Since, tail: null, Deliver, ct);
            if (!await IsRunningAsync(containerId, ct)) break;
            if (resumes == MaxFollowResumes)
                throw new DockerEngineException(DockerOperations.StreamLogs, System.Net.HttpStatusCode.InternalServerError,
                    $"the log stream of container {Id(containerId)} ended {MaxFollowResumes + 1} times while it still ran");
            _logger.LogWarning("The log stream of container {Container} ended while it still runs; following again from {Since}", Id(containerId), cursor.Since);
            await Task.Delay(TimeSpan.FromMilliseconds(100 * (resumes + 1)), ct);
        }

        var delivered = cursor.Delivered;
        await CatchUpAsync(containerId, cursor, Deliver, ct);
        if (cursor.Delivered > delivered)
            _logger.LogWarning("Docker ended the log follow of container {Container} early; {Entries} log entries were read afterwards",
                Id(containerId), cursor.Delivered - delivered);
    }

    /// <summary>After the container exited: deliver the entries after the cursor, reading from the end of the log when that reaches back far enough.</summary>
    private async Task CatchUpAsync(string containerId, DockerLogCursor cursor, Func<LogFrame, CancellationToken, ValueTask> deliver, CancellationToken ct)
    {
        int? tail = null;
        if (cursor.Last is { } last)
        {
            for (var size = CatchUpTail; size <= CatchUpTail * 256; size *= 16)
            {
                if (await TailReachesAsync(containerId, size, last, cursor.AtLast, ct))
                {
                    tail = size;
                    break;
                }
            }
        }
        cursor.BeginRead();
        await ReadLogsAsync(containerId, follow: false, cursor.Since, tail, deliver, ct);
    }

    /// <summary>Whether the last <paramref name="tail"/> entries include the cursor's position (or are the whole log).</summary>
    private async Task<bool> TailReachesAsync(string containerId, int tail, (long, int) last, int atLast, CancellationToken ct)
    {
        var entries = 0;
        var seenAtLast = 0;
        var earlier = false;
        await ReadLogsAsync(containerId, follow: false, since: null, tail, (frame, _) =>
        {
            if (DockerLogCursor.TryReadTime(frame, out var time))
            {
                entries++;
                var order = DockerLogCursor.Compare(time, last);
                if (order < 0) earlier = true;
                else if (order == 0) seenAtLast++;
            }
            return ValueTask.CompletedTask;
        }, ct);
        return earlier || seenAtLast >= atLast || entries < tail;
    }

    private async Task ReadLogsAsync(string containerId, bool follow, string? since, int? tail,
        Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
    {
        var query = $"containers/{Id(containerId)}/logs?follow={(follow ? 1 : 0)}&stdout=1&stderr=1&timestamps=1"
                    + (since is null ? "" : $"&since={since}") + (tail is null ? "" : $"&tail={tail}");
        using var response = await SendAsync(HttpMethod.Get, query, null, DockerOperations.StreamLogs, ct, ct, streaming: true);
        // Removed meanwhile (an abort, a shutdown): after the follow, nothing more can be read.
        if (!follow && response.StatusCode == System.Net.HttpStatusCode.NotFound) return;
        if (!response.IsSuccessStatusCode)
            throw await DockerErrors.FromResponseAsync(response, DockerOperations.StreamLogs, null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await DockerLogDemultiplexer.CopyAsync(body, onOutput, ct);
    }

    private async Task<bool> IsRunningAsync(string containerId, CancellationToken ct)
    {
        using var timeout = Bounded(RequestTimeout, ct);
        using var response = await SendAsync(HttpMethod.Get, $"containers/{Id(containerId)}/json", null, DockerOperations.InspectContainer, timeout.Token, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return false;
        if (!response.IsSuccessStatusCode) throw await DockerErrors.FromResponseAsync(response, DockerOperations.InspectContainer, null, ct);
        var answer = await response.Content.ReadFromJsonAsync<ContainerInspectAnswer>(Json, timeout.Token);
        return answer?.State?.Running == true;
    }

    private sealed record ContainerInspectAnswer(ContainerStateAnswer? State);

    private sealed record ContainerStateAnswer(bool Running);
}
