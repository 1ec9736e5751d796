using System.Collections.Concurrent;

namespace Narwhal.Runner.Intake;

/// <summary>
/// Conditions, besides free slots and quota, under which this Runner takes no runs: free disk below
/// the threshold ("disk"), host CPU at or above its threshold ("cpu"), a drain ("drain"). Closing the
/// gate makes the intake cancel its consumers, so waiting runs stay in the queue for other Runners
/// rather than here.
/// </summary>
public sealed class IntakeGate
{
    private readonly ConcurrentDictionary<string, string> _closedBecause = new(StringComparer.Ordinal);

    public event Action? Changed;

    public bool IsOpen => _closedBecause.IsEmpty;

    public IReadOnlyCollection<string> Reasons => _closedBecause.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value).ToList();

    /// <returns>True when this changed the gate for that condition.</returns>
    public bool Close(string condition, string reason)
    {
        var changed = _closedBecause.TryAdd(condition, reason);
        if (changed) Changed?.Invoke();
        return changed;
    }

    public bool Open(string condition)
    {
        var changed = _closedBecause.TryRemove(condition, out _);
        if (changed) Changed?.Invoke();
        return changed;
    }
}
