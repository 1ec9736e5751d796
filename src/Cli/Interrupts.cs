namespace Narwhal.Cli;

/// <summary>
/// Ctrl-C. While a command has registered a handler (run --follow, to ask whether to abort the run),
/// the first press goes to it; otherwise, or on the next press, the whole command is cancelled.
/// </summary>
public sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private Action? _handler;

    public Interrupts(CancellationToken outer = default) => _cancel = CancellationTokenSource.CreateLinkedTokenSource(outer);

    /// <summary>Cancelled when the command must stop.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>Offers the next Ctrl-C to <paramref name="handler"/> (once) until the returned scope ends.</summary>
    public IDisposable Offer(Action handler)
    {
        Volatile.Write(ref _handler, handler);
        return new Scope(this, handler);
    }

    /// <summary>One Ctrl-C (SIGINT) press.</summary>
    public void Raise()
    {
        var handler = Interlocked.Exchange(ref _handler, null);
        if (handler is not null) handler();
        else _cancel.Cancel();
    }

    public void Dispose() => _cancel.Dispose();

    private sealed class Scope(Interrupts owner, Action handler) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref owner._handler, null, handler);
    }
}
