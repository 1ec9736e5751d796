using System.Security.Cryptography;
using System.Text;
using Narwhal.Api.Dtos;
using Narwhal.Core.Jobs;

namespace Narwhal.Api.Validation;

/// <summary>What a trigger resolves to once checked against its job.</summary>
public sealed record ResolvedTrigger(string? CommitSha, string? Branch, IReadOnlyDictionary<string, string> Parameters, string RequestHash);

public static class TriggerValidator
{
    public const int MaxParameterValueLength = 64 * 1024;

    public static (ResolvedTrigger? Trigger, ValidationErrors Errors) Validate(JobSpec job, TriggerRequest request)
    {
        var errors = new ValidationErrors();
        string? commit = null, branch = null;

        if (job.Type == JobType.Freestyle)
        {
            if (request.CommitSha is not null) errors.Add("commitSha", "Freestyle jobs have no source: commitSha is not accepted.");
            if (request.BranchName is not null) errors.Add("branchName", "Freestyle jobs have no source: branchName is not accepted.");
        }
        else if (request.CommitSha is not null && request.BranchName is not null)
        {
            errors.Add("commitSha", "Give commitSha or branchName, not both.");
        }
        else if (request.CommitSha is not null)
        {
            if (!Names.CommitSha().IsMatch(request.CommitSha)) errors.Add("commitSha", "Must be a full 40-character hexadecimal commit id.");
            else commit = request.CommitSha.ToLowerInvariant();
        }
        else
        {
            branch = request.BranchName ?? job.Git!.DefaultBranch;
            if (!Names.BranchName().IsMatch(branch)) errors.Add("branchName", $"'{branch}' is not a valid branch name.");
        }

        var values = request.Parameters ?? [];
        if (values.Count > JobRequestValidator.MaxParameters)
        {
            // Checked first and alone: a job declares at most that many, and naming each unknown one would echo the flood.
            errors.Add("parameters", $"At most {JobRequestValidator.MaxParameters} parameters per trigger; {values.Count} were given.");
            return (null, errors);
        }
        var declared = job.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var name in values.Keys.Where(k => !declared.ContainsKey(k)).Order(StringComparer.Ordinal))
            errors.Add($"parameters.{name}", declared.Count == 0
                ? $"Unknown parameter '{name}': this job declares no parameters."
                : $"Unknown parameter '{name}'; the job declares: {string.Join(", ", declared.Keys)}.");
        var resolved = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in job.Parameters)
        {
            if (values.TryGetValue(p.Name, out var value))
            {
                if (value is null) errors.Add($"parameters.{p.Name}", "Must be a string.");
                else if (value.Length > MaxParameterValueLength) errors.Add($"parameters.{p.Name}", $"At most {MaxParameterValueLength} characters.");
                // JSON bodies never get here with one (NulFreeStringConverter); the web UI's form does: Postgres
                // cannot store it and an environment variable cannot carry it.
                else if (value.Contains('\0')) errors.Add($"parameters.{p.Name}", "Must not contain U+0000 (NUL): an environment variable cannot hold it.");
                else resolved[p.Name] = value;
            }
            else if (p.Required) errors.Add($"parameters.{p.Name}", $"Required parameter '{p.Name}' is missing.");
            else if (p.Default is not null) resolved[p.Name] = p.Default;
        }

        if (errors.Any) return (null, errors);
        return (new ResolvedTrigger(commit, branch, resolved, RequestHash(request)), errors);
    }

    /// <summary>
    /// Identifies what the client asked for (not what it resolved to), so replaying the same
    /// Idempotency-Key with the same body is recognised even if the job's defaults changed since.
    /// </summary>
    private static string RequestHash(TriggerRequest request)
    {
        var text = new StringBuilder()
            .Append("commit=").Append(request.CommitSha?.ToLowerInvariant()).Append('\n')
            .Append("branch=").Append(request.BranchName).Append('\n');
        foreach (var (k, v) in (request.Parameters ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            text.Append("param:").Append(k.Length).Append(':').Append(k).Append('=').Append(v).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
