namespace Narwhal.Core.Runs;

public enum TriggerKind
{
    /// <summary>The REST API (curl, scripts).</summary>
    Api,
    /// <summary>The narwhal command (the API, recognised by its User-Agent: a label, not a security boundary).</summary>
    Cli,
    /// <summary>The web UI's trigger and re-run buttons.</summary>
    Ui,
    /// <summary>A GitHub webhook delivery.</summary>
    Github,
}
