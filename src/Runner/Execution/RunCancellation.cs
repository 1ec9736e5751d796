namespace Narwhal.Runner.Execution;

public enum CancellationReason
{
    /// <summary>The script ran longer than the job's timeout.</summary>
    Timeout,
    Shutdown,
    Superseded,
    Abort,
    /// <summary>Fetch, image, services and container set-up took longer than the Runner's set-up limit.</summary>
    SetupTimeout,
}

/// <summary>
/// The single source of cancellation of one run: timeout, abort, a superseded attempt and the end
/// of the shutdown grace all cancel the same token; the first reason given is the one reported.
/// </summary>
public sealed class RunCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private int _reason = -1;

    public CancellationToken Token => _source.Token;
    public CancellationReason? Reason => _reason < 0 ? null : (CancellationReason)_reason;

    /// <summary>Who or what asked, for the run's status reason (e.g. "Aborted by ci-bot.").</summary>
    public string? Detail { get; private set; }

    public void Cancel(CancellationReason reason, string? detail = null)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, -1) == -1) Detail = detail;
        try { _source.Cancel(); } catch (ObjectDisposedException) { /* the run already ended */ }
    }

    /// <summary>
    /// Cancels with <paramref name="reason"/> after <paramref name="after"/> (infinite: not armed yet);
    /// the timer can be moved or disarmed with Change.
    /// </summary>
    public Timer TimeoutAfter(TimeSpan after, CancellationReason reason = CancellationReason.Timeout) =>
        new(_ => Cancel(reason), null, after, Timeout.InfiniteTimeSpan);

    public void Dispose() => _source.Dispose();
}
