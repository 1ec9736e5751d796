using System.Globalization;
using Narwhal.Core.Configuration;

namespace Narwhal.Dispatcher.Fleet;

/// <summary>How the Dispatcher watches the fleet: heartbeats, the offline timeout, the global maximum run duration.</summary>
public sealed record FleetSettings
{
    /// <summary>How often Runners send heartbeats (the Runner reads the same setting).</summary>
    public required TimeSpan HeartbeatInterval { get; init; }
    /// <summary>A Runner silent for longer is offline, and its running runs are lost. At least 5 heartbeat intervals.</summary>
    public required TimeSpan OfflineTimeout { get; init; }
    /// <summary>The Runner's own cap on a run (NARWHAL_MAX_JOB_DURATION, same name and default).</summary>
    public required TimeSpan MaxRunDuration { get; init; }
    /// <summary>How often the Dispatcher scans for silent Runners, lost and overdue runs.</summary>
    public required TimeSpan CheckInterval { get; init; }

    /// <summary>
    /// A run still running this long after its claim is ended <c>timed_out</c> by the Dispatcher: the
    /// maximum, plus the offline timeout for its Runner to stop it and report (that is the Runner's job;
    /// the Dispatcher only steps in when the Runner failed to).
    /// </summary>
    public TimeSpan OverdueAfter => MaxRunDuration + OfflineTimeout;

    public static FleetSettings From(IConfiguration config)
    {
        var settings = new FleetSettings
        {
            HeartbeatInterval = config.GetSeconds("NARWHAL_HEARTBEAT_INTERVAL_SECONDS", 3, min: 1),
            OfflineTimeout = config.GetSeconds("NARWHAL_RUNNER_OFFLINE_SECONDS", 20, min: 1),
            MaxRunDuration = config.GetSeconds("NARWHAL_MAX_JOB_DURATION", 6 * 3600, min: 1),
            CheckInterval = config.GetSeconds("NARWHAL_FLEET_CHECK_SECONDS", 2, min: 0.1),
        };
        // Fewer than five missed heartbeats is a hiccup (a GC pause, a broker failover), not a dead
        // Runner: declaring it offline would lose runs that are still executing.
        if (settings.OfflineTimeout < settings.HeartbeatInterval * 5)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Setting NARWHAL_RUNNER_OFFLINE_SECONDS={settings.OfflineTimeout.TotalSeconds:0.###} must be at least 5 × NARWHAL_HEARTBEAT_INTERVAL_SECONDS ({settings.HeartbeatInterval.TotalSeconds:0.###}) = {settings.HeartbeatInterval.TotalSeconds * 5:0.###} seconds."));
        return settings;
    }
}
