using System.Globalization;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Rendering;

/// <summary>Durations, ages and sizes as people read them; times stay exact in <c>&lt;time datetime&gt;</c> and titles.</summary>
public static class Format
{
    public static string Duration(TimeSpan span) => span.TotalSeconds switch
    {
        < 1 => $"{Math.Max(0, span.TotalMilliseconds):0} ms",
        < 60 => $"{span.TotalSeconds:0.#} s",
        < 3600 => $"{(int)span.TotalMinutes} min {span.Seconds} s",
        _ => $"{(int)span.TotalHours} h {span.Minutes} min",
    };

    /// <summary>How long the run ran (or has been running), or null before it started.</summary>
    public static string? RunDuration(Run run, DateTimeOffset now) => run.StartedAt is { } started
        ? Duration((run.FinishedAt ?? now) - started)
        : null;

    public static string Age(DateTimeOffset at, DateTimeOffset now)
    {
        var ago = now - at;
        return ago.TotalSeconds switch
        {
            < 5 => "just now",
            < 60 => $"{(int)ago.TotalSeconds} s ago",
            < 3600 => $"{(int)ago.TotalMinutes} min ago",
            < 86400 => $"{(int)ago.TotalHours} h ago",
            _ => $"{(int)ago.TotalDays} d ago",
        };
    }

    /// <summary>A time as people read it, in UTC (the page has no idea of the reader's zone without a script).</summary>
    public static string Display(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 in UTC, for <c>datetime</c> attributes and titles.</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };

    /// <summary>"1 failure", "3 failures": a count with its noun in the right number (English plurals the UI uses: noun + s).</summary>
    public static string Count(long n, string noun) => n == 1 ? $"1 {noun}" : $"{n.ToString(CultureInfo.InvariantCulture)} {noun}s";

    public static string ShortSha(string? sha) => sha is { Length: > 10 } ? sha[..10] : sha ?? "";
}
