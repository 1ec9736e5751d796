using Narwhal.Contracts;

namespace Narwhal.Runner.Intake;

/// <summary>
/// What this Runner can still take: free slots, and free quota in CPU units and memory MB. A run
/// reserves one slot and its class's cost together (atomically) when it is delivered, and gives
/// both back when it ends.
/// </summary>
public sealed class RunnerCapacity(int slots, int quotaCpu, int quotaMemoryMb, ClassCosts costs)
{
    private readonly Lock _lock = new();
    private int _usedSlots;
    private int _usedCpu;
    private int _usedMemory;

    public static RunnerCapacity From(RunnerSettings settings) =>
        new(settings.Slots, settings.QuotaCpu, settings.QuotaMemoryMb, settings.ClassCosts);

    public int TotalSlots => slots;

    public int UsedSlots
    {
        get { lock (_lock) return _usedSlots; }
    }

    public int FreeSlots => slots - UsedSlots;

    public RunnerQuota Quota
    {
        get { lock (_lock) return new RunnerQuota(quotaCpu, quotaCpu - _usedCpu, quotaMemoryMb, quotaMemoryMb - _usedMemory); }
    }

    public ClassCost CostOf(string resourceClass) => costs.Of(resourceClass);

    /// <summary>True when a run of this class would never fit, even on an idle Runner.</summary>
    public bool NeverFits(string resourceClass)
    {
        var cost = costs.Of(resourceClass);
        return cost.Cpu > quotaCpu || cost.MemoryMb > quotaMemoryMb;
    }

    public bool CanTake(string resourceClass)
    {
        lock (_lock) return Fits(costs.Of(resourceClass));
    }

    public bool TryReserve(string resourceClass)
    {
        var cost = costs.Of(resourceClass);
        lock (_lock)
        {
            if (!Fits(cost)) return false;
            _usedSlots++;
            _usedCpu += cost.Cpu;
            _usedMemory += cost.MemoryMb;
            return true;
        }
    }

    public void Release(string resourceClass)
    {
        var cost = costs.Of(resourceClass);
        lock (_lock)
        {
            if (_usedSlots == 0) throw new InvalidOperationException("A slot was released that was never reserved.");
            _usedSlots--;
            _usedCpu -= cost.Cpu;
            _usedMemory -= cost.MemoryMb;
        }
    }

    /// <summary>Why a run of this class cannot be taken now ("no free slot", "large needs 4 CPU / 0 MB, 3 CPU / 0 MB free"), or null.</summary>
    public string? WhyNot(string resourceClass)
    {
        var cost = costs.Of(resourceClass);
        lock (_lock)
        {
            if (_usedSlots >= slots) return "no free slot";
            if (Fits(cost)) return null;
            return $"{resourceClass} needs {cost}, {quotaCpu - _usedCpu} CPU / {quotaMemoryMb - _usedMemory} MB free";
        }
    }

    private bool Fits(ClassCost cost) =>
        _usedSlots < slots && _usedCpu + cost.Cpu <= quotaCpu && _usedMemory + cost.MemoryMb <= quotaMemoryMb;
}
