using Microsoft.AspNetCore.Mvc;
using Narwhal.Api.Runs;

namespace Narwhal.Api.Ui.Pages.Runs;

/// <summary><c>/ui/jobs/{name}/runs/{number}</c>: the address people type, sent on to the run's page.</summary>
public sealed class ByNumberModel(RunStore runs) : UiPageModel
{
    public async Task<IActionResult> OnGetAsync(string name, int number, CancellationToken ct) =>
        await runs.GetByNumberAsync(name, number, ct) is { } run
            ? Redirect($"/ui/runs/{run.Id}")
            : NotFoundPage($"Job '{name}' has no run #{number}.");
}
