using System.Diagnostics;

namespace Narwhal.Testing;

/// <summary>
/// Waits for a condition with a deadline, polling. Tests synchronise on observable state
/// through this, never on a bare delay. Deadlines are generous: a loaded 2-core CI machine is slow.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        var pause = TimeSpan.FromMilliseconds(20);
        T last;
        while (true)
        {
            last = await probe();
            if (done(last)) return last;
            if (deadline.Elapsed > limit)
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0}s waiting for {what}; last value: {last}");
            await Task.Delay(pause);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 250));
        }
    }

    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, ok => ok, what, timeout);
}
