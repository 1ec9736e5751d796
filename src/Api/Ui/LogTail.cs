using Narwhal.Api.Logs;
using Narwhal.Api.Ui.Rendering;
using Narwhal.Core.Logs;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Ui;

/// <summary>
/// The end of a run's console log as the run page shows it: at most <see cref="WindowBytes"/>, starting at a line,
/// ending on a whole character, rendered to HTML. <see cref="LogWindow.Start"/> is where "load earlier" continues
/// backwards (a Range request on the raw log), <see cref="LogWindow.End"/> where the live stream continues.
/// </summary>
public sealed class LogTail(LogChunkStore chunks, IObjectStore store)
{
    public const int WindowBytes = 256 * 1024;

    public async Task<LogWindow> ReadAsync(Run run, CancellationToken ct)
    {
        if (run.ResultsExpiredAt is { } expired)
            return LogWindow.None($"The console log was deleted by retention on {Format.Display(expired)}.");
        if (run.LogKey is { } key) return await FromStoreAsync(key, ct);
        if (run.Status.IsActive()) return await FromChunksAsync(run.Id, ct);
        if (run.ParentRunId is null) return LogWindow.None($"This run ended without a console log: {run.StatusReason ?? "nothing was executed"}.");
        var reason = (run.StatusReason ?? "nothing was executed").TrimEnd('.');
        return LogWindow.None(run.Status == RunStatus.Skipped ? $"This step did not run: {reason}." : $"This step ended without a console log: {reason}.");
    }

    private async Task<LogWindow> FromStoreAsync(string key, CancellationToken ct)
    {
        var info = await store.StatAsync(key, ct);
        if (info is null) return LogWindow.None("The console log is missing from storage.");
        var from = Math.Max(0, info.Size - WindowBytes);
        await using var stored = await store.GetAsync(key, new ByteRange(from, null), ct);
        if (stored is null) return LogWindow.None("The console log is missing from storage.");
        using var buffer = new MemoryStream((int)Math.Min(WindowBytes, info.Size));
        await stored.Content.CopyToAsync(buffer, ct);
        return Window(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), from, info.Size, complete: true);
    }

    private async Task<LogWindow> FromChunksAsync(Guid runId, CancellationToken ct)
    {
        var size = await chunks.SizeAsync(runId, ct);
        var from = Math.Max(0, size - WindowBytes);
        using var buffer = new MemoryStream();
        var offset = from;
        while (offset < size)
        {
            var pieces = await chunks.ReadAsync(runId, offset, WindowBytes, ct);
            if (pieces.Count == 0) break;
            foreach (var chunk in pieces)
            {
                // A gap (a piece the Runner could not ship live) is skipped, as the live stream does.
                buffer.Write(chunk.Data);
                offset = chunk.Offset + chunk.Data.Length;
            }
        }
        return Window(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), from, from + buffer.Length, complete: false);
    }

    private static LogWindow Window(ReadOnlySpan<byte> bytes, long from, long size, bool complete)
    {
        var start = 0;
        if (from > 0)
        {
            // Begin at a line: the line cut in half is the first one "load earlier" brings.
            var newline = bytes.IndexOf((byte)'\n');
            start = newline >= 0 ? newline + 1 : SkipContinuation(bytes);
        }
        // A live log may end in half a character; the stream sends the rest.
        var end = complete ? bytes.Length : Utf8Boundary.CompletePrefixLength(bytes);
        if (end < start) end = start;
        var text = System.Text.Encoding.UTF8.GetString(bytes[start..end]);
        return new LogWindow(AnsiHtml.Render(text), from + start, from + end, size, null);
    }

    /// <summary>Without a newline, at least start on a character: skip continuation bytes.</summary>
    private static int SkipContinuation(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length && (bytes[i] & 0b1100_0000) == 0b1000_0000) i++;
        return i;
    }
}

/// <summary>A rendered piece of the log: bytes [<see cref="Start"/>, <see cref="End"/>) of <see cref="Size"/> known so far.</summary>
public sealed record LogWindow(string Html, long Start, long End, long Size, string? Unavailable)
{
    public static LogWindow None(string why) => new("", 0, 0, 0, why);

    public bool HasEarlier => Start > 0;
}
