namespace Narwhal.Runner.Intake;

/// <summary>
/// Why the intake takes nothing right now, and one log line per change of that state (not per check).
/// </summary>
public sealed class IntakeStatus(RunnerSettings settings, RunnerCapacity capacity, IntakeGate gate, ILogger<IntakeStatus> logger)
{
    private readonly Lock _lock = new();
    private string? _reported = "starting";

    /// <summary>
    /// Why this Runner takes nothing ("cpu 93% ≥ 90%", "no free slot", "quota: large needs …"), or
    /// null while it takes runs of at least one class. For heartbeats and the log.
    /// </summary>
    public string? PausedReason(bool stopping)
    {
        if (stopping) return "stopping";
        if (!gate.IsOpen) return string.Join("; ", gate.Reasons);
        if (capacity.FreeSlots == 0) return "no free slot";
        var blocked = settings.ResourceClasses.Select(capacity.WhyNot).ToList();
        return blocked.All(why => why is not null) ? "quota: " + string.Join("; ", blocked.Distinct()) : null;
    }

    /// <summary>Logs the state if it changed since the last report. A full Runner is routine: debug level.</summary>
    public void Report(bool stopping)
    {
        var state = PausedReason(stopping);
        string? previous;
        lock (_lock)
        {
            if (state == _reported) return;
            previous = _reported;
            _reported = state;
        }
        var level = state == "no free slot" || previous == "no free slot" ? LogLevel.Debug : LogLevel.Information;
        if (state is null)
            logger.Log(level, "Intake open: taking runs of {Classes}", settings.ResourceClasses.Where(capacity.CanTake));
        else
            logger.Log(level, "Intake paused: {Reason}", state);
    }
}
