using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Narwhal.Bench;

/// <summary>One <c>event: log</c> as the follower read it: when its data line arrived (wall clock), its offset and text.</summary>
public delegate void LogEventHandler(long receivedUnixNs, long offset, string text);

public delegate void LineHandler(ReadOnlySpan<char> line);

/// <summary>What one follow of a run's console stream saw.</summary>
public sealed record FollowOutcome(
    int LogEvents, long Bytes, long FirstLogUnixNs, long LastLogUnixNs, long EndUnixNs, string? EndData,
    int OffsetMismatches, string? FirstOffsetMismatch, int KeepAlives);

/// <summary>
/// A client of <c>GET /runs/{id}/results/console?follow=true</c> (Server-Sent Events), as a browser
/// or the CLI follows a live log: <c>event: log</c> with <c>id: &lt;offset after it&gt;</c> and
/// <c>data: {"offset":N,"text":"…"}</c>, then <c>event: end</c>. Every event is handed over as it
/// arrives (nothing is kept); offsets are checked to follow on without gap or overlap.
/// </summary>
public static class ConsoleFollower
{
    /// <summary>An HTTP client for followers: no overall timeout (a follow lasts as long as the run); the caller's token bounds it.</summary>
    public static HttpClient Client(Uri apiUrl, string token)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = apiUrl, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<FollowOutcome> FollowAsync(HttpClient client, string runId, LogEventHandler onLog, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/runs/{runId}/results/console?follow=true");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET console?follow=true answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(body, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);

        int events = 0, mismatches = 0, keepAlives = 0;
        long bytes = 0, expected = 0, firstNs = 0, lastNs = 0, dataNs = 0;
        string? firstMismatch = null, eventName = null, data = null, id = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                // Blank line: dispatch the event.
                if (eventName == "end")
                    return new FollowOutcome(events, bytes, firstNs, lastNs, WallClock.NowUnixNs(), data, mismatches, firstMismatch, keepAlives);
                if (eventName == "log" && data is not null)
                {
                    using var doc = JsonDocument.Parse(data);
                    var offset = doc.RootElement.GetProperty("offset").GetInt64();
                    var text = doc.RootElement.GetProperty("text").GetString() ?? "";
                    var length = Encoding.UTF8.GetByteCount(text);
                    if (offset != expected || (id is not null && id != (offset + length).ToString()))
                    {
                        mismatches++;
                        firstMismatch ??= $"event {events + 1}: offset {offset} (expected {expected}), {length} bytes, id {id}";
                    }
                    expected = offset + length;
                    bytes += length;
                    events++;
                    if (firstNs == 0) firstNs = dataNs;
                    lastNs = dataNs;
                    onLog(dataNs, offset, text);
                }
                eventName = data = id = null;
                continue;
            }
            if (line[0] == ':')
            {
                keepAlives++;
                continue;
            }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            switch (field)
            {
                case "event": eventName = value; break;
                case "id": id = value; break;
                case "data":
                    dataNs = WallClock.NowUnixNs();
                    data = data is null ? value : data + "\n" + value;
                    break;
            }
        }
        throw new IOException($"The console stream of run {runId} ended without an 'end' event ({events} log events, {bytes} bytes).");
    }
}

/// <summary>Cuts text that arrives in arbitrary pieces into lines (without the '\n'); a line split across pieces is carried over.</summary>
public sealed class LineSplitter
{
    private char[] _carry = new char[512];
    private int _carried;

    /// <summary>Characters of an unfinished last line.</summary>
    public int Pending => _carried;

    public void Feed(ReadOnlySpan<char> text, LineHandler onLine)
    {
        while (!text.IsEmpty)
        {
            var newline = text.IndexOf('\n');
            if (newline < 0)
            {
                Carry(text);
                return;
            }
            if (_carried > 0)
            {
                Carry(text[..newline]);
                onLine(_carry.AsSpan(0, _carried));
                _carried = 0;
            }
            else
            {
                onLine(text[..newline]);
            }
            text = text[(newline + 1)..];
        }
    }

    private void Carry(ReadOnlySpan<char> text)
    {
        if (_carried + text.Length > _carry.Length) Array.Resize(ref _carry, Math.Max(_carry.Length * 2, _carried + text.Length));
        text.CopyTo(_carry.AsSpan(_carried));
        _carried += text.Length;
    }
}

/// <summary>The result of checking one copy of a numbered log (the live follower's, or the stored one).</summary>
public sealed record LogCheck(
    string Source, long ExpectedBytes, long Bytes, long ExpectedLines, long Lines, long BadLines, int PendingChars, bool Complete,
    int OffsetMismatches, IReadOnlyList<string> FirstErrors, double Seconds);

/// <summary>
/// The numbered log the throughput jobs write, and its checker. Every line is exactly
/// <see cref="LineBytes"/> bytes: a 10-digit line number from 1 up, a space, 'x' padding, '\n'. So
/// N MiB is exactly N × 8192 lines. Lines are checked one by one as they come (nothing is buffered):
/// each must be the next number with the right length and padding, and the total must match.
/// </summary>
public sealed class NumberedLog
{
    public const int LineBytes = 128;
    private const int Digits = 10;
    private const int Padding = LineBytes - Digits - 2;
    public const long LinesPerMiB = 1_048_576 / LineBytes;

    private readonly List<string> _errors = [];
    private long _next = 1;

    public NumberedLog(long expectedLines) => ExpectedLines = expectedLines;

    public long ExpectedLines { get; }
    public long ExpectedBytes => ExpectedLines * LineBytes;
    public long Lines { get; private set; }
    public long BadLines { get; private set; }
    public LineSplitter Splitter { get; } = new();
    public long Chars { get; private set; }

    /// <summary>The job's script: busybox awk printing the lines as fast as it can (about 100 MiB/s to /dev/null on a 2-core VM).</summary>
    public static string Script(long lines) =>
        $"awk -v n={lines} 'BEGIN {{ p = sprintf(\"%{Padding}s\", \"\"); gsub(/ /, \"x\", p); for (i = 1; i <= n; i++) printf \"%0{Digits}d %s\\n\", i, p }}'";

    public void Feed(ReadOnlySpan<char> text)
    {
        Chars += text.Length;
        Splitter.Feed(text, Line);
    }

    private void Line(ReadOnlySpan<char> line)
    {
        Lines++;
        var ok = line.Length == LineBytes - 1 && line[Digits] == ' ' && long.TryParse(line[..Digits], out var number) && number == _next
                 && line[(Digits + 1)..].IndexOfAnyExcept('x') < 0;
        if (ok)
        {
            _next++;
            return;
        }
        BadLines++;
        var parsed = line.Length > Digits && long.TryParse(line[..Digits], out var n) ? n : (long?)null;
        if (_errors.Count < 5)
        {
            var preview = line.Length > 60 ? line[..60].ToString() + "…" : line.ToString();
            _errors.Add($"line {Lines}: expected number {_next}, length {LineBytes - 1}; got length {line.Length}: \"{preview}\"");
        }
        // Resynchronise on a readable number, so one bad line is one error, not all the rest.
        _next = parsed is { } p ? p + 1 : _next + 1;
    }

    public LogCheck Result(string source, int offsetMismatches, double seconds)
    {
        var complete = Lines == ExpectedLines && BadLines == 0 && Splitter.Pending == 0 && Chars == ExpectedBytes && offsetMismatches == 0;
        var errors = new List<string>(_errors);
        if (Splitter.Pending > 0) errors.Add($"an unfinished last line of {Splitter.Pending} characters");
        if (Lines != ExpectedLines) errors.Add($"{Lines} lines, expected {ExpectedLines}");
        return new LogCheck(source, ExpectedBytes, Chars, ExpectedLines, Lines, BadLines, Splitter.Pending, complete, offsetMismatches, errors, seconds);
    }
}
