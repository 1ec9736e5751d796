using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Endpoints;
using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Api.Ui.Auth;
using Narwhal.Api.Ui.Rendering;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Pages.Runs;

/// <summary>
/// A run: status and timings (kept current by the page's script), the end of its console log (the script follows it
/// live while the run runs), its JUnit failures and artifacts, and abort / re-run for tokens with the trigger scope.
/// A pipeline shows its graph of steps instead, and the console and results of one step (<c>?step=key</c>; by default
/// the first that failed, else the first running, else the first), with retry of a step and of every failed step.
/// </summary>
public sealed class RunModel(RunStore runs, JobStore jobs, RunStepStore stepStore, RunOutputReader outputs, UiQueries queries) : UiPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }

    /// <summary>The step a pipeline's page shows (its key).</summary>
    [BindProperty(Name = "step", SupportsGet = true)] public string? StepKey { get; set; }

    public Run? Run { get; private set; }
    public bool JobLive { get; private set; }
    public RunOutput Output { get; private set; } = new(LogWindow.None(""), null, null, []);

    /// <summary>A pipeline's current steps in file order; null for a run without steps.</summary>
    public IReadOnlyList<RunStep>? Steps { get; private set; }
    public RunStep? Selected { get; private set; }

    public bool CanAbort => User.Can(Scope.Trigger) && Run!.Status.IsActive();
    public bool CanRerun => User.Can(Scope.Trigger) && JobLive;
    /// <summary>Steps can be retried: a pipeline whose job lives and whose results (the artifacts steps pass on) are kept.</summary>
    public bool CanRetry => User.Can(Scope.Trigger) && JobLive && Steps is not null && Run!.ResultsExpiredAt is null;
    public bool CanRetryFailed => CanRetry && Steps!.Any(s => StepChoice.IsRetriedByRetryFailed(s.Row.Status));

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Run = await runs.GetAsync(Id, ct);
        if (Run is null) return NotFoundPage($"No run with id {Id}.");
        // A step's own runs row is shown where it belongs: on its run's page, selected.
        if (Run.ParentRunId is { } parent && await queries.StepKeyAsync(Id, ct) is { } key)
            return Redirect($"/ui/runs/{parent}?step={Uri.EscapeDataString(key)}");

        var job = jobs.GetAsync(Run.JobName, includeDeleted: false, ct);
        var shown = Run;
        if (Run.Pipeline)
        {
            Steps = await stepStore.CurrentAsync(Run, ct);
            Selected = Steps.FirstOrDefault(s => s.Key == StepKey) ?? StepChoice.Default(Steps);
            // Retention deletes a run's results with its steps'; whichever row says so first counts.
            shown = Selected is null ? null : Selected.Row with { ResultsExpiredAt = Selected.Row.ResultsExpiredAt ?? Run.ResultsExpiredAt };
        }
        var output = shown is null ? Task.FromResult(Output) : outputs.ReadAsync(shown, ct);
        await Task.WhenAll(job, output);
        (JobLive, Output) = (job.Result is not null, output.Result);
        return Page();
    }

    public async Task<IActionResult> OnPostAbortAsync([FromServices] RunAbortNotifier notifier, CancellationToken ct)
    {
        if (!User.Can(Scope.Trigger)) return Forbidden(Scope.Trigger);
        var answer = await RunsEndpoints.Abort(Id, runs, notifier, User, ct);
        switch (answer.Result)
        {
            case Ok<RunDto>: Notify("The run was aborted before it started."); break;
            case Accepted<RunDto>: Notify("Abort requested: the Runner stops the run."); break;
            default: Notify(ProblemText(answer.Result) ?? "The run could not be aborted."); break;
        }
        return Redirect($"/ui/runs/{Id}");
    }

    public async Task<IActionResult> OnPostRerunAsync([FromServices] RunTriggerService trigger, CancellationToken ct)
    {
        if (!User.Can(Scope.Trigger)) return Forbidden(Scope.Trigger);
        var answer = await RunsEndpoints.Rerun(Id, runs, jobs, trigger, User, ct);
        if (answer.Result is Created<RunDto> { Value: { } rerun })
        {
            Notify($"Re-run #{rerun.Number} triggered.");
            return Redirect($"/ui/runs/{rerun.Id}");
        }
        Notify(ProblemText(answer.Result) ?? "The run could not be re-run.");
        return Redirect($"/ui/runs/{Id}");
    }

    /// <summary>The step (a new attempt) and the steps after it that did not succeed, through the same store as the REST retry.</summary>
    public async Task<IActionResult> OnPostRetryStepAsync(
        [FromForm] string key, [FromServices] StepRetryStore retries, [FromServices] ILogger<StepRetryStore> logger, CancellationToken ct)
    {
        if (!User.Can(Scope.Trigger)) return Forbidden(Scope.Trigger);
        var answer = await StepsEndpoints.RetryStep(Id, key, retries, User, logger, ct);
        Notify(answer.Result is Ok<RunDto> { Value: { } run }
            ? $"Step '{key}' retried (attempt {run.Steps?.FirstOrDefault(s => s.Key == key)?.Attempt}); the steps after it that did not succeed run again after it."
            : ProblemText(answer.Result) ?? $"Step '{key}' could not be retried.");
        return Redirect($"{Base}?step={Uri.EscapeDataString(key)}");
    }

    public async Task<IActionResult> OnPostRetryFailedAsync(
        [FromServices] StepRetryStore retries, [FromServices] ILogger<StepRetryStore> logger, CancellationToken ct)
    {
        if (!User.Can(Scope.Trigger)) return Forbidden(Scope.Trigger);
        var answer = await StepsEndpoints.RetryFailed(Id, retries, User, logger, ct);
        Notify(answer.Result is Ok<RunDto>
            ? "The failed steps are retried, and the steps after them that did not succeed."
            : ProblemText(answer.Result) ?? "The failed steps could not be retried.");
        return Redirect(Base);
    }

    /// <summary>The signed-in token may decide the gate (its approvers; the REST answer still decides).</summary>
    public bool CanDecide(StepGate gate) => gate.AwaitsDecision && GateApprovers.MayDecide(User, gate.Spec);

    /// <summary>The gate approved with the form's fields (<c>field.NAME</c>), through the same store as the REST approve.</summary>
    public async Task<IActionResult> OnPostApproveAsync(
        [FromForm] string key, [FromServices] GateDecisionStore gates, [FromServices] ILogger<GateDecisionStore> logger, CancellationToken ct)
    {
        const string prefix = "field.";
        var fields = Request.Form.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(k => k[prefix.Length..], k => (string?)Request.Form[k].ToString(), StringComparer.Ordinal);
        var answer = await GatesEndpoints.Approve(Id, key, new ApproveRequest { Fields = fields }, gates, User, logger, ct);
        Notify(answer.Result is Ok<RunDto> ? $"Step '{key}' approved; the steps after it start now." : ProblemText(answer.Result) ?? $"Step '{key}' could not be approved.");
        return Redirect($"{Base}?step={Uri.EscapeDataString(key)}");
    }

    public async Task<IActionResult> OnPostRejectAsync(
        [FromForm] string key, [FromServices] GateDecisionStore gates, [FromServices] ILogger<GateDecisionStore> logger, CancellationToken ct)
    {
        var answer = await GatesEndpoints.Reject(Id, key, gates, User, logger, ct);
        Notify(answer.Result is Ok<RunDto> ? $"Step '{key}' rejected." : ProblemText(answer.Result) ?? $"Step '{key}' could not be rejected.");
        return Redirect($"{Base}?step={Uri.EscapeDataString(key)}");
    }

    public string Base => $"/ui/runs/{Id}";

    /// <summary>Where the selected step's console and files are served to the page, pinned to the attempt shown.</summary>
    public string StepBase => $"{Base}/steps/{Uri.EscapeDataString(Selected!.Key)}";
}
