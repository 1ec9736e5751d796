using Narwhal.Api.Runs;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Rendering;

/// <summary>Which step a pipeline's page opens on, and which steps "Retry failed" concerns.</summary>
public static class StepChoice
{
    /// <summary>What people open a pipeline for: the first step that failed; while it runs, what it is doing; else the start.</summary>
    public static RunStep? Default(IReadOnlyList<RunStep> steps) =>
        steps.FirstOrDefault(s => s.Row.Status is RunStatus.Failed or RunStatus.TimedOut or RunStatus.Error or RunStatus.Lost)
        ?? steps.FirstOrDefault(s => s.Row.Status == RunStatus.Running)
        ?? (steps.Count > 0 ? steps[0] : null);

    /// <summary>The statuses <c>POST /runs/{id}/retry-failed</c> starts from: the button is shown only when it has something to do.</summary>
    public static bool IsRetriedByRetryFailed(RunStatus status) =>
        status is RunStatus.Failed or RunStatus.TimedOut or RunStatus.Error or RunStatus.Lost or RunStatus.Aborted;
}
