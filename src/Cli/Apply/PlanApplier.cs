namespace Narwhal.Cli.Apply;

/// <summary>
/// Carries out a plan's steps in order — jobs, then their secrets and credentials, then deletions —
/// and records what the server answered for each. A failed job skips its secrets; a refused
/// deletion (409: the job has active runs) is reported and the rest goes on.
/// </summary>
public sealed class PlanApplier(ApiClient api)
{
    public async Task ApplyAsync(Plan plan, CancellationToken ct)
    {
        var failedJobs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in plan.Items)
        {
            if (item.Request is not { } request)
            {
                item.Result = "unchanged";
                continue;
            }
            if (item.Kind != ItemKind.Job && failedJobs.Contains(item.Job))
            {
                item.Result = "skipped";
                item.Error = $"job {item.Job} was not saved";
                continue;
            }
            var answer = await api.TrySendAsync(request.Method, request.Path, request.Body, ct);
            var status = (int)answer.Status;
            if (status is >= 200 and < 300)
            {
                item.Result = request.Method == HttpMethod.Delete ? "deleted" : answer.Json.S("outcome");
                continue;
            }
            if (status is 401 or 403) throw new CliException(ExitCodes.Auth, ApiClient.Describe(answer));
            item.Result = "failed";
            item.Error = ApiClient.Describe(answer);
            if (item.Kind == ItemKind.Job) failedJobs.Add(item.Job);
        }
    }
}
