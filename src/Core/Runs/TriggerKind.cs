namespace Narwhal.Core.Runs;

public enum TriggerKind
{
    /// <summary>REST API (curl, scripts, the CLI, the web UI).</summary>
    Api,
    /// <summary>A GitHub webhook delivery (issue 6/7).</summary>
    Github,
}
