using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Endpoints;
using Narwhal.Api.Runners;
using Narwhal.Api.Runs;
using Narwhal.Api.Ui.Auth;
using Narwhal.Core.Fleet;

namespace Narwhal.Api.Ui.Pages.Runners;

/// <summary>The runner registry: state, load, running runs; a drain button for admin tokens (the REST handler does the work).</summary>
public sealed class IndexModel(RunnerStore registry, RunStore runs) : UiPageModel
{
    public IReadOnlyList<RunnerDto> Runners { get; private set; } = [];

    public bool CanDrain => User.Can(Scope.Admin);

    public async Task OnGetAsync(CancellationToken ct) =>
        Runners = (await RunnersEndpoints.ListRunners(registry, runs, ct)).Value!.Items;

    public async Task<IActionResult> OnPostDrainAsync(string id, [FromServices] RunnerDrainNotifier notifier, CancellationToken ct)
    {
        if (!User.Can(Scope.Admin)) return Forbidden(Scope.Admin);
        var answer = await RunnersEndpoints.DrainRunner(id, registry, runs, notifier, User, ct);
        Notify(answer.Result is Accepted<RunnerDto>
            ? $"Runner {id} is draining: it takes no new runs, finishes its runs, then exits."
            : ProblemText(answer.Result) ?? $"Runner {id} could not be drained.");
        return Redirect("/ui/runners");
    }
}
