namespace Narwhal.Runner.Execution;

public enum CancellationReason { Timeout, Shutdown, Superseded }

/// <summary>
/// The single source of cancellation of one run: timeout, the end of the shutdown grace (and,
/// with 2/7, abort) all cancel the same token; the first reason given is the one reported.
/// </summary>
public sealed class RunCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private int _reason = -1;

    public CancellationToken Token => _source.Token;
    public CancellationReason? Reason => _reason < 0 ? null : (CancellationReason)_reason;

    public void Cancel(CancellationReason reason)
    {
        Interlocked.CompareExchange(ref _reason, (int)reason, -1);
        try { _source.Cancel(); } catch (ObjectDisposedException) { /* the run already ended */ }
    }

    /// <summary>Cancels with <see cref="CancellationReason.Timeout"/> after <paramref name="after"/>.</summary>
    public IDisposable TimeoutAfter(TimeSpan after)
    {
        var timer = new Timer(_ => Cancel(CancellationReason.Timeout), null, after, Timeout.InfiniteTimeSpan);
        return timer;
    }

    public void Dispose() => _source.Dispose();
}
