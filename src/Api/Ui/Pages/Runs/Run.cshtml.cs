using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Endpoints;
using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Api.Ui.Auth;
using Narwhal.Core.Persistence;
using Narwhal.Core.Results;
using Narwhal.Core.Runs;
using Narwhal.Core.Storage;

namespace Narwhal.Api.Ui.Pages.Runs;

/// <summary>
/// A run: status and timings (kept current by the page's script), the end of its console log (the script follows it
/// live while the run runs), its JUnit failures and artifacts, and abort / re-run for tokens with the trigger scope.
/// </summary>
public sealed class RunModel(RunStore runs, JobStore jobs, RunFileStore files, IObjectStore store, LogTail logTail) : UiPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }

    public Run? Run { get; private set; }
    public bool JobLive { get; private set; }
    public LogWindow Log { get; private set; } = LogWindow.None("");
    public JunitSummaryResult? Tests { get; private set; }
    public string? TestsUnavailable { get; private set; }
    public IReadOnlyList<RunFile> Artifacts { get; private set; } = [];

    public bool CanAbort => User.Can(Scope.Trigger) && Run!.Status.IsActive();
    public bool CanRerun => User.Can(Scope.Trigger) && JobLive;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Run = await runs.GetAsync(Id, ct);
        if (Run is null) return NotFoundPage($"No run with id {Id}.");
        // Independent reads (Postgres and S3) at once: the page waits for the slowest, not for their sum.
        var job = jobs.GetAsync(Run.JobName, includeDeleted: false, ct);
        var log = logTail.ReadAsync(Run, ct);
        var artifacts = Run.ResultsExpiredAt is null ? files.ListAsync(Id, RunFileKind.Artifact, ct) : Task.FromResult<IReadOnlyList<RunFile>>([]);
        var tests = Run.ResultsExpiredAt is null ? ReadTestsAsync(ct) : Task.FromResult<JunitSummaryResult?>(null);
        await Task.WhenAll(job, log, artifacts, tests);
        (JobLive, Log, Artifacts, Tests) = (job.Result is not null, log.Result, artifacts.Result, tests.Result);
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

    private async Task<JunitSummaryResult?> ReadTestsAsync(CancellationToken ct)
    {
        var key = await files.JunitSummaryKeyAsync(Id, ct);
        if (key is null) return null;
        await using var stored = await store.GetAsync(key, null, ct);
        if (stored is null)
        {
            TestsUnavailable = "The JUnit summary is missing from storage.";
            return null;
        }
        using var reader = new StreamReader(stored.Content);
        return Json.Deserialize<JunitSummaryResult>(await reader.ReadToEndAsync(ct));
    }

    public string Base => $"/ui/runs/{Id}";
}
