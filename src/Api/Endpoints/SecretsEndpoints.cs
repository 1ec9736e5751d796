using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Jobs;
using Narwhal.Api.Validation;
using Narwhal.Core.Jobs;

namespace Narwhal.Api.Endpoints;

/// <summary>Job secrets and git credentials: write-only values, admin scope, idempotent PUTs.</summary>
public static class SecretsEndpoints
{
    /// <summary>Shorter values cannot be masked in logs without masking ordinary words.</summary>
    public const int MinSecretLength = 6;
    public const int MaxSecretLength = 64 * 1024;

    public static IEndpointRouteBuilder MapSecretsEndpoints(this IEndpointRouteBuilder app)
    {
        var secrets = app.MapGroup("/jobs/{name}/secrets").WithTags("Secrets").RequireAuthorization(Scope.Admin.Name());
        secrets.MapGet("/", ListSecrets).WithSummary("List a job's secret names");
        secrets.MapPut("/{key}", PutSecret).WithSummary("Set a secret (write-only; the same value again answers unchanged; ?dryRun=true plans only)");
        secrets.MapDelete("/{key}", DeleteSecret).WithSummary("Delete a secret");

        var credentials = app.MapGroup("/jobs/{name}/git-credentials").WithTags("Secrets").RequireAuthorization(Scope.Admin.Name());
        credentials.MapGet("/", GetGitCredentials).WithSummary("Show a job's git credentials (kind and user only)");
        credentials.MapPut("/", PutGitCredentials).WithSummary("Set git credentials (token or SSH key; ?dryRun=true plans only)");
        credentials.MapDelete("/", DeleteGitCredentials).WithSummary("Delete git credentials");
        return app;
    }

    public static async Task<Results<Ok<PageDto<SecretDto>>, ProblemHttpResult>> ListSecrets(string name, JobStore jobs, JobSecretStore secrets, CancellationToken ct)
    {
        if (await jobs.GetAsync(name, includeDeleted: false, ct) is not { } job) return Problems.NotFound($"No job named '{name}'.");
        var items = (await secrets.ListAsync(job.Id, ct)).Select(SecretDto.From).ToList();
        return TypedResults.Ok(new PageDto<SecretDto>(items, null));
    }

    /// <summary>201 created, 200 updated or unchanged (the same value again writes nothing); a dry run answers the same, writing nothing.</summary>
    public static async Task<Results<Created<SecretSaveResponse>, Ok<SecretSaveResponse>, ValidationProblem, ProblemHttpResult>> PutSecret(
        string name, string key, SecretValueRequest request, JobStore jobs, JobSecretStore secrets, CancellationToken ct,
        [Description(JobsEndpoints.DryRunDescription)] bool dryRun = false)
    {
        var errors = new ValidationErrors();
        if (!Names.ParameterName().IsMatch(key) || key == "CI" || key.StartsWith("NARWHAL_", StringComparison.Ordinal))
            errors.Add("key", $"'{key}' is not a valid secret name: letters, digits and '_' (it becomes an environment variable); CI and NARWHAL_* are reserved.");
        ValidateSecretValue("value", request.Value, errors);
        if (errors.Any) return Problems.Invalid(errors);
        if (await jobs.GetAsync(name, includeDeleted: false, ct) is not { } job) return Problems.NotFound($"No job named '{name}'.");

        var outcome = dryRun
            ? await secrets.CompareAsync(job.Id, key, request.Value!, ct)
            : await secrets.SetAsync(job.Id, key, request.Value!, ct);
        var response = new SecretSaveResponse(outcome, dryRun, key);
        return outcome == SaveOutcome.Created
            ? TypedResults.Created(dryRun ? null : $"/jobs/{Uri.EscapeDataString(name)}/secrets/{key}", response)
            : TypedResults.Ok(response);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteSecret(string name, string key, JobStore jobs, JobSecretStore secrets, CancellationToken ct)
    {
        if (await jobs.GetAsync(name, includeDeleted: false, ct) is not { } job) return Problems.NotFound($"No job named '{name}'.");
        return await secrets.DeleteAsync(job.Id, key, ct) ? TypedResults.NoContent() : Problems.NotFound($"Job '{name}' has no secret '{key}'.");
    }

    public static async Task<Results<Ok<GitCredentialsDto>, ProblemHttpResult>> GetGitCredentials(string name, JobStore jobs, GitCredentialStore store, CancellationToken ct)
    {
        if (await jobs.GetAsync(name, includeDeleted: false, ct) is not { } job) return Problems.NotFound($"No job named '{name}'.");
        return await store.GetInfoAsync(job.Id, ct) is { } info
            ? TypedResults.Ok(new GitCredentialsDto(info.Kind, info.Username, info.UpdatedAt.UtcDateTime))
            : Problems.NotFound($"Job '{name}' has no git credentials.");
    }

    public static async Task<Results<Created<GitCredentialsSaveResponse>, Ok<GitCredentialsSaveResponse>, ValidationProblem, ProblemHttpResult>> PutGitCredentials(
        string name, GitCredentialsRequest request, JobStore jobs, GitCredentialStore store, CancellationToken ct,
        [Description(JobsEndpoints.DryRunDescription)] bool dryRun = false)
    {
        var errors = new ValidationErrors();
        GitCredentialKind kind = GitCredentialKind.Token;
        string? secret = null;
        if ((request.Token is null) == (request.SshPrivateKey is null))
            errors.Add("token", "Give exactly one of token (HTTPS) or sshPrivateKey.");
        else if (request.Token is not null)
        {
            ValidateSecretValue("token", request.Token, errors);
            secret = request.Token;
        }
        else
        {
            kind = GitCredentialKind.SshKey;
            secret = request.SshPrivateKey!.ReplaceLineEndings("\n").Trim() + "\n";
            if (!secret.StartsWith("-----BEGIN ", StringComparison.Ordinal) || !secret.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                errors.Add("sshPrivateKey", "Must be a PEM/OpenSSH private key (-----BEGIN … PRIVATE KEY-----).");
            if (request.Username is not null) errors.Add("username", "SSH keys take the user from the clone URL (e.g. git@host:org/repo).");
        }
        if (request.Username is { } user && (user.Length is 0 or > 200 || user.Any(char.IsControl)))
            errors.Add("username", "Must be 1-200 printable characters.");
        if (errors.Any) return Problems.Invalid(errors);
        if (await jobs.GetAsync(name, includeDeleted: false, ct) is not { } job) return Problems.NotFound($"No job named '{name}'.");

        var outcome = dryRun
            ? await store.CompareAsync(job.Id, kind, request.Username, secret!, ct)
            : await store.SetAsync(job.Id, kind, request.Username, secret!, ct);
        // A dry run that would write shows the credentials as the write would leave them (updated now).
        var info = dryRun && outcome != SaveOutcome.Unchanged
            ? new GitCredentialInfo(kind, request.Username, DateTimeOffset.UtcNow)
            : (await store.GetInfoAsync(job.Id, ct))!;
        var response = new GitCredentialsSaveResponse(outcome, dryRun, new GitCredentialsDto(info.Kind, info.Username, info.UpdatedAt.UtcDateTime));
        return outcome == SaveOutcome.Created
            ? TypedResults.Created(dryRun ? null : $"/jobs/{Uri.EscapeDataString(name)}/git-credentials", response)
            : TypedResults.Ok(response);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteGitCredentials(string name, JobStore jobs, GitCredentialStore store, CancellationToken ct)
    {
        if (await jobs.GetAsync(name, includeDeleted: false, ct) is not { } job) return Problems.NotFound($"No job named '{name}'.");
        return await store.DeleteAsync(job.Id, ct) ? TypedResults.NoContent() : Problems.NotFound($"Job '{name}' has no git credentials.");
    }

    private static void ValidateSecretValue(string field, string? value, ValidationErrors errors)
    {
        if (value is null) errors.Add(field, "Required.");
        else if (value.Length < MinSecretLength)
            errors.Add(field, $"Must be at least {MinSecretLength} characters: shorter values cannot be masked safely in logs.");
        else if (value.Length > MaxSecretLength) errors.Add(field, $"At most {MaxSecretLength} characters.");
        // Secrets reach the job as environment variables, and an environment entry ends at the first NUL: Docker
        // refuses it, so every run would fail. (JSON bodies are already refused for it; this keeps the rule with the secret.)
        else if (value.Contains('\0')) errors.Add(field, "Must not contain U+0000 (NUL): an environment variable cannot hold it.");
    }
}
