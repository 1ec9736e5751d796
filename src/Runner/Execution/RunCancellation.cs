namespace Narwhal.Runner.Execution;

public enum CancellationReason { Timeout, Shutdown, Superseded, Abort }

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

    /// <summary>Cancels with <see cref="CancellationReason.Timeout"/> after <paramref name="after"/>; the timer can be moved with Change.</summary>
    public Timer TimeoutAfter(TimeSpan after) =>
        new(_ => Cancel(CancellationReason.Timeout), null, after, Timeout.InfiniteTimeSpan);

    public void Dispose() => _source.Dispose();
}
