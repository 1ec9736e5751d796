namespace Narwhal.Dispatcher.Fleet;

/// <summary>
/// Whether this Dispatcher has been able to hear heartbeats long enough to call a silent Runner
/// dead. After a start, a broker outage or a failed write to Postgres, every Runner looks silent
/// for a while through no fault of its own (the Dispatcher was deaf, not the Runner mute), so
/// Runners are judged only once heartbeats have been consumed and recorded without a failure for
/// a whole offline timeout.
/// </summary>
public sealed class HeartbeatHealth(TimeProvider clock)
{
    private readonly Lock _lock = new();
    private long? _hearingSince;
    private string _why = "not consuming heartbeats yet";

    /// <summary>Consuming (again), or a heartbeat was recorded: starts the clock if it was stopped.</summary>
    public void Hearing()
    {
        lock (_lock) _hearingSince ??= clock.GetTimestamp();
    }

    /// <summary>The consumer is gone or a heartbeat could not be recorded: stop trusting silence.</summary>
    public void Deaf(string why)
    {
        lock (_lock)
        {
            _hearingSince = null;
            _why = why;
        }
    }

    /// <summary>True when heartbeats have been heard without interruption for at least <paramref name="span"/>; otherwise why not.</summary>
    public bool HasHeardFor(TimeSpan span, out string why)
    {
        lock (_lock)
        {
            if (_hearingSince is not { } since)
            {
                why = _why;
                return false;
            }
            var heard = clock.GetElapsedTime(since);
            // No figures in the text: the scan logs each new reason once.
            why = heard >= span ? "" : "heartbeats heard for less than the offline timeout so far";
            return heard >= span;
        }
    }
}
