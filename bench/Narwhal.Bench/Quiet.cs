namespace Narwhal.Bench;

/// <summary>Settings added to the in-process Api and Runner so their startup/shutdown lines do not bury the report.</summary>
public static class Quiet
{
    /// <summary>
    /// NarwhalLogging keeps Microsoft.Hosting.Lifetime at Information. The host's "Logging" filter
    /// rules still apply on top of Serilog, but AddSerilog adds a rule for its own provider (all
    /// categories, Trace), which beats a provider-less rule: so this rule names the provider
    /// (alias "Serilog"). Warnings and errors are still printed.
    /// </summary>
    public static Dictionary<string, string?> Settings => new()
    {
        ["Logging:Serilog:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
    };
}
