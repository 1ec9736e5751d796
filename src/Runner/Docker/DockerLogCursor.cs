using System.Buffers.Text;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Where a read of a container's log stands, by Docker's own entry timestamps
/// (<c>logs?timestamps=1</c>): the timestamp of the last entry delivered and how many delivered
/// entries carry exactly that timestamp. A read that the engine ended early (Docker 20.10's
/// follow can stop before the end of the json-file when the container exits under load) is
/// resumed with <c>since=</c> that timestamp, skipping what was already delivered: no gap, no
/// repeat. The one case it cannot recover: an entry stamped earlier than the latest delivered one
/// (stdout and stderr are stamped by separate copiers, nanoseconds apart) that lies after the
/// point where the engine ended the follow — the engine's since filter drops it. Reads that end
/// cleanly lose nothing.
/// </summary>
public sealed class DockerLogCursor
{
    private int _skipAtLast;
    private bool _skippingEntry;

    /// <summary>The latest timestamp delivered as (Unix seconds, nanoseconds), or null before the first.</summary>
    public (long Seconds, int Nanos)? Last { get; private set; }

    /// <summary>Delivered entries stamped exactly <see cref="Last"/>.</summary>
    public int AtLast { get; private set; }

    /// <summary>Entries delivered in all reads.</summary>
    public long Delivered { get; private set; }

    /// <summary>In the current read: entries stamped <see cref="Last"/> seen (delivered or skipped as already delivered).</summary>
    public int SeenAtLastInRead { get; private set; }

    /// <summary>The <c>since</c> query value resuming after <see cref="Last"/> ("seconds.nanoseconds").</summary>
    public string? Since => Last is { } t ? $"{t.Seconds}.{t.Nanos:D9}" : null;

    /// <summary>Starts a read that begins at or before <see cref="Last"/>: the entries at it are skipped once each.</summary>
    public void BeginRead()
    {
        _skipAtLast = AtLast;
        _skippingEntry = false;
        SeenAtLastInRead = 0;
    }

    /// <summary>
    /// The part of <paramref name="frame"/> to deliver (its text without the timestamp), or null
    /// when it repeats an entry already delivered.
    /// </summary>
    public ReadOnlyMemory<byte>? Accept(LogFrame frame)
    {
        if (!frame.StartsEntry) return _skippingEntry ? (ReadOnlyMemory<byte>?)null : frame.Data;

        var data = frame.Data;
        var space = data.Span.IndexOf((byte)' ');
        if (space <= 0 || !TryParse(data.Span[..space], out var time))
            throw new InvalidDataException("A Docker log entry without its timestamp (the logs were not read with timestamps=1).");
        var text = data[(space + 1)..];

        var order = Last is { } last ? Compare(time, last) : 1;
        if (order == 0)
        {
            SeenAtLastInRead++;
            if (_skipAtLast > 0)
            {
                _skipAtLast--;
                _skippingEntry = true;
                return null;
            }
            AtLast++;
        }
        else if (order > 0)
        {
            Last = time;
            AtLast = 1;
            _skipAtLast = 0;
        }
        // order < 0: stdout and stderr are stamped by separate copiers, so an entry of one stream can
        // follow a later-stamped entry of the other in the file. It is new (a resumed read asks
        // since=Last, so the engine never repeats anything older): deliver it, Last stays the latest.
        _skippingEntry = false;
        Delivered++;
        return text;
    }

    /// <summary>Whether a timestamp was found at the start of an entry: just the parse, for probes.</summary>
    public static bool TryReadTime(LogFrame frame, out (long Seconds, int Nanos) time)
    {
        time = default;
        var span = frame.Data.Span;
        var space = span.IndexOf((byte)' ');
        return frame.StartsEntry && space > 0 && TryParse(span[..space], out time);
    }

    public static int Compare((long Seconds, int Nanos) a, (long Seconds, int Nanos) b) =>
        a.Seconds != b.Seconds ? a.Seconds.CompareTo(b.Seconds) : a.Nanos.CompareTo(b.Nanos);

    /// <summary>RFC 3339 with up to nine fraction digits (Go's RFC3339Nano trims trailing zeros), UTC or with an offset.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out (long Seconds, int Nanos) time)
    {
        time = default;
        // 2026-11-22T23:13:02[.123456789](Z|+hh:mm)
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') return false;
        if (!Number(text[..4], out var year) || !Number(text[5..7], out var month) || !Number(text[8..10], out var day)
            || !Number(text[11..13], out var hour) || !Number(text[14..16], out var minute) || !Number(text[17..19], out var second))
            return false;
        var rest = text[19..];
        var nanos = 0;
        if (rest.Length > 0 && rest[0] == '.')
        {
            var digits = 0;
            rest = rest[1..];
            while (digits < rest.Length && rest[digits] is >= (byte)'0' and <= (byte)'9') digits++;
            if (digits is 0 or > 9 || !Number(rest[..digits], out nanos)) return false;
            for (var i = digits; i < 9; i++) nanos *= 10;
            rest = rest[digits..];
        }
        long offsetSeconds = 0;
        if (rest.Length == 1 && rest[0] == 'Z') { }
        else if (rest.Length == 6 && rest[0] is (byte)'+' or (byte)'-' && rest[3] == ':'
                 && Number(rest[1..3], out var oh) && Number(rest[4..6], out var om))
            offsetSeconds = (rest[0] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
        else return false;
        try
        {
            var utc = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
            time = ((long)(utc - DateTime.UnixEpoch).TotalSeconds - offsetSeconds, nanos);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static bool Number(ReadOnlySpan<byte> digits, out int value) =>
        Utf8Parser.TryParse(digits, out value, out var consumed) && consumed == digits.Length && value >= 0;
}
