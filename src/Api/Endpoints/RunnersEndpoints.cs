using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Runners;
using Narwhal.Api.Runs;
using Narwhal.Core.Fleet;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Endpoints;

/// <summary>The runner registry (kept by the Dispatcher from heartbeats) and the drain command.</summary>
public static class RunnersEndpoints
{
    public const string IdDescription = "The Runner's id (its NARWHAL_RUNNER_ID).";

    public static IEndpointRouteBuilder MapRunnersEndpoints(this IEndpointRouteBuilder app)
    {
        var runners = app.MapGroup("/runners").WithTags("Runners");
        runners.MapGet("/", ListRunners).WithSummary("List Runners: online and draining first, offline last").RequireAuthorization(Scope.Read.Name());
        runners.MapGet("/{id}", GetRunner).WithSummary("Get a Runner: state, load, running runs").RequireAuthorization(Scope.Read.Name());
        runners.MapPost("/{id}/drain", DrainRunner).WithSummary("Drain a Runner: it takes no new runs, finishes its runs, then exits").RequireAuthorization(Scope.Admin.Name());
        return app;
    }

    /// <summary>Every Runner the registry knows (it is small: no paging; nextCursor is always null).</summary>
    public static async Task<Ok<PageDto<RunnerDto>>> ListRunners(RunnerStore registry, RunStore runs, CancellationToken ct)
    {
        var all = (await registry.ListAsync(ct))
            .OrderBy(r => r.State == RunnerState.Offline)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        var known = await RunsOfAsync(all, runs, ct);
        return TypedResults.Ok(new PageDto<RunnerDto>(all.Select(r => RunnerDto.From(r, known)).ToList(), null));
    }

    public static async Task<Results<Ok<RunnerDto>, ProblemHttpResult>> GetRunner(
        [Description(IdDescription)] string id, RunnerStore registry, RunStore runs, CancellationToken ct)
    {
        var runner = await registry.GetAsync(id, ct);
        if (runner is null) return Problems.NotFound(NoRunner(id));
        return TypedResults.Ok(RunnerDto.From(runner, await RunsOfAsync([runner], runs, ct)));
    }

    /// <summary>
    /// 202 with the Runner (drainRequestedAt set; its state turns draining at its next heartbeat, and it
    /// exits once its runs ended). Asking again is harmless: the first request's time and requester stay.
    /// 404 for an unknown id, 409 for an offline Runner (nothing runs there to drain).
    /// </summary>
    public static async Task<Results<Accepted<RunnerDto>, ProblemHttpResult>> DrainRunner(
        [Description(IdDescription)] string id, RunnerStore registry, RunStore runs, RunnerDrainNotifier notifier, ClaimsPrincipal user,
        CancellationToken ct)
    {
        var runner = await registry.GetAsync(id, ct);
        if (runner is null) return Problems.NotFound(NoRunner(id));
        if (runner.State == RunnerState.Offline)
            return Problems.Conflict($"Runner '{id}' is offline (silent since {runner.LastSeenAt:yyyy-MM-dd'T'HH:mm:ss'Z'}); there is nothing to drain.");
        if (!await registry.RequestDrainAsync(id, user.TokenName(), ct)) return Problems.NotFound(NoRunner(id));

        var requested = await registry.GetAsync(id, ct) ?? runner;
        await notifier.NotifyAsync(id, requested.DrainRequestedBy ?? user.TokenName(), requested.DrainRequestedAt);
        return TypedResults.Accepted($"/runners/{Uri.EscapeDataString(id)}", RunnerDto.From(requested, await RunsOfAsync([requested], runs, ct)));
    }

    private static string NoRunner(string id) => $"No Runner with id '{id}' has ever sent a heartbeat.";

    private static async Task<IReadOnlyDictionary<Guid, Run>> RunsOfAsync(IEnumerable<RunnerInfo> runners, RunStore runs, CancellationToken ct) =>
        (await runs.GetManyAsync(runners.SelectMany(r => r.RunningRunIds).Distinct().ToList(), ct)).ToDictionary(r => r.Id);
}
