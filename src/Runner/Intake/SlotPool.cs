namespace Narwhal.Runner.Intake;

/// <summary>How many runs this Runner may execute at once, and how many it is executing.</summary>
public sealed class SlotPool(int slots)
{
    private int _used;

    public int Total => slots;
    public int Free => slots - Volatile.Read(ref _used);

    public bool TryReserve()
    {
        while (true)
        {
            var used = Volatile.Read(ref _used);
            if (used >= slots) return false;
            if (Interlocked.CompareExchange(ref _used, used + 1, used) == used) return true;
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _used) < 0)
            throw new InvalidOperationException("A slot was released that was never reserved.");
    }
}
