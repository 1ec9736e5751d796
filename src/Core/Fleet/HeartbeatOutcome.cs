namespace Narwhal.Core.Fleet;

/// <summary>What recording one heartbeat did to the registry.</summary>
public enum HeartbeatOutcome
{
    /// <summary>The first heartbeat of this Runner id: a new row.</summary>
    Registered,
    /// <summary>A Runner already known and not offline: its row is refreshed.</summary>
    Recorded,
    /// <summary>A Runner marked offline is heard again (restarted, or its network healed).</summary>
    Returned,
    /// <summary>Older than what the row already holds (a late or reordered message): nothing changed.</summary>
    Stale,
}
