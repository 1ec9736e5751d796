using System.Text.Json;
using System.Text.Json.Nodes;

namespace Narwhal.Cli.Apply;

/// <summary>
/// Works out what applying the input would change, with the API's own dry run: the server validates
/// and compares (jobs field by field, secrets by value without revealing them), so the plan is the
/// server's answer, not a guess. Uses only public, documented operations.
/// </summary>
public sealed class Planner(ApiClient api)
{
    public async Task<Plan> PlanAsync(IReadOnlyList<DesiredJob> jobs, bool prune, CancellationToken ct)
    {
        var plan = new Plan();
        var secretSteps = new List<PlanItem>();
        var deletes = new List<PlanItem>();

        foreach (var job in jobs)
        {
            var path = $"/jobs/{Uri.EscapeDataString(job.Name)}";
            var answer = await api.TrySendAsync(HttpMethod.Put, path + "?dryRun=true", job.Body, ct);
            if (!IsSuccess(answer))
            {
                ReportFailure(plan, job, answer);
                continue;
            }
            var action = Action(answer.Json.S("outcome"));
            plan.Items.Add(new PlanItem
            {
                Kind = ItemKind.Job, Job = job.Name, Action = action, Mark = job.Mark,
                Changes = Changes(answer.Json),
                Request = action == PlanAction.Unchanged ? null : (HttpMethod.Put, path, job.Body),
            });
            await PlanSecretsAsync(job, path, jobExists: action != PlanAction.Create, prune, secretSteps, deletes, plan, ct);
        }
        plan.Items.AddRange(secretSteps);

        if (prune)
        {
            var wanted = jobs.Select(j => j.Name).ToHashSet(StringComparer.Ordinal);
            await foreach (var name in JobNamesAsync(ct))
                if (!wanted.Contains(name))
                    deletes.Add(new PlanItem
                    {
                        Kind = ItemKind.Job, Job = name, Action = PlanAction.Delete,
                        Request = (HttpMethod.Delete, $"/jobs/{Uri.EscapeDataString(name)}", null),
                    });
        }
        plan.Items.AddRange(deletes);
        return plan;
    }

    private async Task PlanSecretsAsync(DesiredJob job, string jobPath, bool jobExists, bool prune,
        List<PlanItem> steps, List<PlanItem> deletes, Plan plan, CancellationToken ct)
    {
        foreach (var (key, secret) in job.Secrets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var path = $"{jobPath}/secrets/{Uri.EscapeDataString(key)}";
            var body = new JsonObject { ["value"] = secret.Value };
            var action = PlanAction.Create;
            if (jobExists)
            {
                var answer = await api.TrySendAsync(HttpMethod.Put, path + "?dryRun=true", body, ct);
                if (!IsSuccess(answer))
                {
                    plan.Errors.Add($"{secret.Mark}: secret {key} of job {job.Name}: {ApiClient.Describe(answer)}");
                    continue;
                }
                action = Action(answer.Json.S("outcome"));
            }
            steps.Add(new PlanItem
            {
                Kind = ItemKind.Secret, Job = job.Name, Secret = key, Action = action, Mark = secret.Mark,
                Request = action == PlanAction.Unchanged ? null : (HttpMethod.Put, path, body),
            });
        }

        if (job.GitCredentials is { } credentials)
        {
            var path = $"{jobPath}/git-credentials";
            var action = PlanAction.Create;
            if (jobExists)
            {
                var answer = await api.TrySendAsync(HttpMethod.Put, path + "?dryRun=true", credentials.Body(), ct);
                if (!IsSuccess(answer))
                {
                    plan.Errors.Add($"{credentials.Mark}: git credentials of job {job.Name}: {ApiClient.Describe(answer)}");
                    return;
                }
                action = Action(answer.Json.S("outcome"));
            }
            steps.Add(new PlanItem
            {
                Kind = ItemKind.GitCredentials, Job = job.Name, Action = action, Mark = credentials.Mark,
                Request = action == PlanAction.Unchanged ? null : (HttpMethod.Put, path, credentials.Body()),
            });
        }

        if (!prune || !jobExists) return;
        // --prune: the server's secrets and credentials of this job that the input does not declare.
        var listed = await api.TrySendAsync(HttpMethod.Get, $"{jobPath}/secrets", null, ct);
        if (IsSuccess(listed))
            foreach (var name in listed.Json.Items().Select(s => s.S("name")).Where(n => !job.Secrets.ContainsKey(n)))
                deletes.Add(new PlanItem
                {
                    Kind = ItemKind.Secret, Job = job.Name, Secret = name, Action = PlanAction.Delete,
                    Request = (HttpMethod.Delete, $"{jobPath}/secrets/{Uri.EscapeDataString(name)}", null),
                });
        if (job.GitCredentials is null && IsSuccess(await api.TrySendAsync(HttpMethod.Get, $"{jobPath}/git-credentials", null, ct)))
            deletes.Add(new PlanItem
            {
                Kind = ItemKind.GitCredentials, Job = job.Name, Action = PlanAction.Delete,
                Request = (HttpMethod.Delete, $"{jobPath}/git-credentials", null),
            });
    }

    private async IAsyncEnumerable<string> JobNamesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? cursor = null;
        do
        {
            var page = (await api.GetAsync("/jobs?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), ct)).Json;
            foreach (var job in page.Items()) yield return job.S("name");
            cursor = page.S("nextCursor") is { Length: > 0 } next ? next : null;
        } while (cursor is not null);
    }

    /// <summary>A refused job: each field error at the line that wrote the field.</summary>
    private static void ReportFailure(Plan plan, DesiredJob job, ApiResponse answer)
    {
        var fields = ApiClient.FieldErrors(answer);
        if (fields.Count == 0)
        {
            plan.Errors.Add($"{job.Mark}: job {job.Name}: {ApiClient.Describe(answer)}");
            return;
        }
        foreach (var (field, message) in fields)
            plan.Errors.Add($"{job.MarkOf(field)}: job {job.Name}: {field}: {message}");
    }

    /// <summary>Success; a 401/403 stops the whole plan (nothing else would work either).</summary>
    private static bool IsSuccess(ApiResponse answer) => (int)answer.Status switch
    {
        >= 200 and < 300 => true,
        401 or 403 => throw new CliException(ExitCodes.Auth, ApiClient.Describe(answer)),
        _ => false,
    };

    private static PlanAction Action(string outcome) => outcome switch
    {
        "created" => PlanAction.Create,
        "updated" => PlanAction.Update,
        "unchanged" => PlanAction.Unchanged,
        _ => throw new CliException(ExitCodes.Api, $"the server answered an unknown outcome '{outcome}'"),
    };

    private static List<FieldChange> Changes(JsonElement answer) =>
        answer.P("changes") is { ValueKind: JsonValueKind.Array } changes
            ? changes.EnumerateArray().Select(c => new FieldChange(c.S("field"), Node(c.P("from")), Node(c.P("to")))).ToList()
            : [];

    private static JsonNode? Node(JsonElement e) => e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : JsonNode.Parse(e.GetRawText());
}
