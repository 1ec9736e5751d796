using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Endpoints;
using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Api.Ui.Auth;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Ui.Pages.Jobs;

/// <summary>
/// A job: its run history (keyset-paged, newest first) and a trigger form built from its declared parameters. The
/// form triggers through the REST API's own handler, so validation, idempotency and publishing are the same.
/// </summary>
public sealed class JobModel(JobStore jobs, RunStore runs, RunTriggerService trigger) : UiPageModel
{
    public const int PageSize = 25;
    public const string ParameterPrefix = "param.";

    [BindProperty(SupportsGet = true)] public string Name { get; set; } = "";

    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public Job? Job { get; private set; }
    public IReadOnlyList<Run> Runs { get; private set; } = [];
    public string? NextCursor { get; private set; }

    /// <summary>What the trigger form sent, shown again with <see cref="Errors"/> when it was refused.</summary>
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    public bool CanTrigger => User.Can(Scope.Trigger) && Job is { DeletedAt: null };

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (Cursor is not null && !RunCursor.TryDecode(Cursor, out _)) Cursor = null;
        return await LoadAsync(ct) ? Page() : NotFoundPage($"No job named '{Name}'.");
    }

    public async Task<IActionResult> OnPostTriggerAsync(CancellationToken ct)
    {
        if (!User.Can(Scope.Trigger)) return Forbidden(Scope.Trigger);
        var form = Request.Form;
        string? Field(string key) => form[key].FirstOrDefault() is { Length: > 0 } v ? v.Trim() : null;
        foreach (var key in form.Keys.Where(k => k.StartsWith(ParameterPrefix, StringComparison.Ordinal)))
            Values[key] = form[key].FirstOrDefault() ?? "";

        // An empty optional parameter is left out, so the job's default applies.
        var parameters = Values.Where(kv => kv.Value.Length > 0)
            .ToDictionary(kv => kv.Key[ParameterPrefix.Length..], kv => kv.Value, StringComparer.Ordinal);
        var request = new TriggerRequest { BranchName = Field("branchName"), CommitSha = Field("commitSha"), Parameters = parameters };
        if (request.BranchName is { } branch) Values["branchName"] = branch;
        if (request.CommitSha is { } sha) Values["commitSha"] = sha;

        var answer = await RunsEndpoints.TriggerRun(Name, request, idempotencyKey: null, jobs, trigger, User, ct);
        switch (answer.Result)
        {
            case Created<RunDto> { Value: { } run }:
                Notify($"Run #{run.Number} triggered.");
                return Redirect($"/ui/runs/{run.Id}");
            case ValidationProblem invalid:
                Errors = invalid.ProblemDetails.Errors;
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return await LoadAsync(ct) ? Page() : NotFoundPage($"No job named '{Name}'.");
            default:
                return await LoadAsync(ct)
                    ? Refuse(StatusCodes.Status409Conflict, "Not triggered", ProblemText(answer.Result) ?? "The run could not be triggered.")
                    : NotFoundPage($"No job named '{Name}'.");
        }
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        // A deleted job's history stays readable; it cannot be triggered.
        Job = await jobs.GetAsync(Name, includeDeleted: true, ct);
        if (Job is null) return false;
        RunCursor? after = Cursor is not null && RunCursor.TryDecode(Cursor, out var c) ? c : null;
        var page = await runs.ListAsync(new RunFilter { JobName = Name, After = after, Limit = PageSize }, ct);
        Runs = page.Items;
        NextCursor = page.NextCursor;
        return true;
    }

    public string? ErrorFor(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    public string PageLink(string? cursor) =>
        $"/ui/jobs/{Uri.EscapeDataString(Name)}" + (cursor is null ? "" : QueryString.Create("cursor", cursor).ToString());
}
