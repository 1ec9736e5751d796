namespace Narwhal.Bench;

/// <summary>Settings added to the in-process Api and Runner so their startup/shutdown lines do not bury the report.</summary>
public static class Quiet
{
    /// <summary>
    /// NarwhalLogging keeps Microsoft.Hosting.Lifetime at Information; a Logging:LogLevel setting for a
    /// category overrides that. Warnings and errors are still printed.
    /// </summary>
    public static Dictionary<string, string?> Settings => new()
    {
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
    };
}
