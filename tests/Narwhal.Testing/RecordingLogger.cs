using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Narwhal.Testing;

/// <summary>
/// A logger that keeps every entry with its structured state, for asserting on what was logged (or never logged:
/// <see cref="Lines"/> holds the exception text too, so a secret in an exception message shows).
/// </summary>
public class RecordingLogger : ILogger
{
    public sealed record Entry(LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> State);

    public ConcurrentQueue<Entry> Entries { get; } = new();

    /// <summary>Each entry as one line: level, formatted message and exception.</summary>
    public IReadOnlyList<string> Lines => Entries.Select(e => $"{e.Level}: {e.Message} {e.Exception}").ToList();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value)
            : new Dictionary<string, object?>();
        Entries.Enqueue(new Entry(logLevel, eventId, formatter(state, exception), exception, values));
    }
}

public sealed class RecordingLogger<T> : RecordingLogger, ILogger<T>;
