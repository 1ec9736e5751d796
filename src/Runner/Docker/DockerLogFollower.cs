using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Follows a container's stdout and stderr from the start until it has exited, and makes sure nothing
/// is missing at the end: Docker 20.10 can end a follow before the end of the log file when the
/// container exits under load, so once it has exited, what the follow did not deliver is read again
/// (by entry timestamp, see <see cref="DockerLogCursor"/>). A follow dropped while the container still
/// runs is resumed the same way.
/// </summary>
internal sealed class DockerLogFollower(DockerClient client, ILogger logger)
{
    /// <summary>Entries a catch-up first asks for from the end of the log; widened when they do not reach back far enough.</summary>
    private const int CatchUpTail = 256;
    private const int MaxFollowResumes = 20;

    public async Task FollowAsync(string containerId, Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
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
            await ReadAsync(containerId, follow: true, cursor.Since, tail: null, Deliver, ct);
            if (!await IsRunningAsync(containerId, ct)) break;
            if (resumes == MaxFollowResumes)
                throw new DockerEngineException(DockerOperations.StreamLogs, HttpStatusCode.InternalServerError,
                    $"the log stream of container {containerId} ended {MaxFollowResumes + 1} times while it still ran");
            logger.LogWarning("The log stream of container {Container} ended while it still runs; following again from {Since}", containerId, cursor.Since);
            await Task.Delay(TimeSpan.FromMilliseconds(100 * (resumes + 1)), ct);
        }

        var delivered = cursor.Delivered;
        await CatchUpAsync(containerId, cursor, Deliver, ct);
        if (cursor.Delivered > delivered)
            logger.LogWarning("Docker ended the log follow of container {Container} early; {Entries} log entries were read afterwards",
                containerId, cursor.Delivered - delivered);
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
        await ReadAsync(containerId, follow: false, cursor.Since, tail, deliver, ct);
    }

    /// <summary>Whether the last <paramref name="tail"/> entries include the cursor's position (or are the whole log).</summary>
    private async Task<bool> TailReachesAsync(string containerId, int tail, (long, int) last, int atLast, CancellationToken ct)
    {
        var entries = 0;
        var seenAtLast = 0;
        var earlier = false;
        await ReadAsync(containerId, follow: false, since: null, tail, (frame, _) =>
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

    private async Task ReadAsync(string containerId, bool follow, string? since, int? tail,
        Func<LogFrame, CancellationToken, ValueTask> onOutput, CancellationToken ct)
    {
        var parameters = new ContainerLogsParameters
        {
            Follow = follow,
            ShowStdout = true,
            ShowStderr = true,
            Timestamps = true,
            Since = since,
            Tail = tail?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        MultiplexedStream stream;
        try
        {
            stream = await DockerEngine.CallAsync(DockerOperations.StreamLogs, Timeout.InfiniteTimeSpan,
                token => client.Containers.GetContainerLogsAsync(containerId, parameters, token), ct);
        }
        // Removed meanwhile (an abort, a shutdown): after the follow, nothing more can be read.
        catch (DockerEngineException ex) when (!follow && ex.StatusCode == HttpStatusCode.NotFound)
        {
            return;
        }
        using (stream)
        {
            await DockerLogReader.CopyAsync(stream, onOutput, ct);
        }
    }

    private async Task<bool> IsRunningAsync(string containerId, CancellationToken ct)
    {
        try
        {
            var answer = await DockerEngine.CallAsync(DockerOperations.InspectContainer, DockerEngine.RequestTimeout,
                token => client.Containers.InspectContainerAsync(containerId, token), ct);
            return answer.State?.Running == true;
        }
        catch (DockerEngineException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
