using Narwhal.Core.Fleet;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Rendering;

/// <summary>
/// How a status is shown: an icon and a word, always both (colour, from <see cref="CssClass"/>, only decorates).
/// The icon is hidden from screen readers; the word is the accessible text.
/// </summary>
public sealed record StatusView(string Icon, string Label, string CssClass)
{
    public static StatusView Of(RunStatus status, bool held = false) => status switch
    {
        RunStatus.Waiting => new("◔", "Waiting", "st-waiting"),
        RunStatus.Queued when held => new("◌", "Queued (held)", "st-queued"),
        RunStatus.Queued => new("◌", "Queued", "st-queued"),
        RunStatus.Running => new("●", "Running", "st-running"),
        RunStatus.Succeeded => new("✓", "Succeeded", "st-succeeded"),
        RunStatus.Failed => new("✗", "Failed", "st-failed"),
        RunStatus.TimedOut => new("⏱", "Timed out", "st-timed-out"),
        RunStatus.Aborted => new("⊘", "Aborted", "st-aborted"),
        RunStatus.Lost => new("⚠", "Lost", "st-lost"),
        RunStatus.Error => new("⚠", "Error", "st-error"),
        RunStatus.Skipped => new("↷", "Skipped", "st-skipped"),
        _ => new("?", status.Name(), "st-unknown"),
    };

    public static StatusView Of(Run run) => Of(run.Status, run.Held);

    /// <summary>
    /// Every run status's view by its API name ("succeeded", "timed_out"), as JSON: the run page's script
    /// shows the status its live log's end event names without asking the server again.
    /// </summary>
    public static string AllJson { get; } = System.Text.Json.JsonSerializer.Serialize(
        Enum.GetValues<RunStatus>().ToDictionary(s => s.Name(), s => new { icon = Of(s).Icon, label = Of(s).Label, css = Of(s).CssClass }));

    public static StatusView Of(RunnerState state) => state switch
    {
        RunnerState.Online => new("●", "Online", "st-online"),
        RunnerState.Draining => new("◐", "Draining", "st-draining"),
        _ => new("○", "Offline", "st-offline"),
    };
}
