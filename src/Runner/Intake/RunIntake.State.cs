namespace Narwhal.Runner.Intake;

public sealed partial class RunIntake
{
    private readonly Lock _stateLock = new();
    private string? _reportedState = "starting";

    /// <summary>
    /// Why this Runner takes nothing right now ("cpu 93% ≥ 90%", "no free slot", "quota: large needs …"),
    /// or null while it takes runs of at least one class. For heartbeats and the log.
    /// </summary>
    public string? PausedReason
    {
        get
        {
            if (_stopping) return "stopping";
            if (!gate.IsOpen) return string.Join("; ", gate.Reasons);
            if (capacity.FreeSlots == 0) return "no free slot";
            var blocked = settings.ResourceClasses.Select(capacity.WhyNot).ToList();
            return blocked.All(why => why is not null) ? "quota: " + string.Join("; ", blocked.Distinct()) : null;
        }
    }

    /// <summary>One log line per change of state, not per check. A full Runner is routine: debug level.</summary>
    private void ReportState()
    {
        var state = PausedReason;
        string? previous;
        lock (_stateLock)
        {
            if (state == _reportedState) return;
            previous = _reportedState;
            _reportedState = state;
        }
        var level = state == "no free slot" || previous == "no free slot" ? LogLevel.Debug : LogLevel.Information;
        if (state is null)
            logger.Log(level, "Intake open: taking runs of {Classes}", settings.ResourceClasses.Where(capacity.CanTake));
        else
            logger.Log(level, "Intake paused: {Reason}", state);
    }
}
