using Narwhal.Api.Dtos;
using Narwhal.Api.Jobs;
using Narwhal.Core.Jobs;

namespace Narwhal.Api.Validation;

/// <summary>Turns a PUT /jobs body into a canonical <see cref="JobSpec"/> or says every field that is wrong.</summary>
public static class JobRequestValidator
{
    public const int MaxTimeoutSeconds = 7 * 24 * 3600;
    public const int MaxRetryOnLost = 10;
    public const int MaxConcurrentLimit = 1000;
    public const int MaxPushBranches = 50;
    /// <summary>Parameters become environment variables of every run: a hundred is plenty, ten thousand is an accident.</summary>
    public const int MaxParameters = 100;
    public const int MaxParameterDescriptionLength = 2000;

    public static (JobSpec? Spec, ValidationErrors Errors) Validate(string name, JobRequest request, IReadOnlyList<string> resourceClasses)
    {
        var errors = new ValidationErrors();
        if (!Names.JobName().IsMatch(name)) errors.Add("name", $"Job name '{name}' is invalid: {Names.JobNameRule}.");

        var resourceClass = request.ResourceClass ?? resourceClasses[0];
        if (!resourceClasses.Contains(resourceClass, StringComparer.Ordinal))
            errors.Add("resourceClass", $"Unknown resource class '{resourceClass}'; configured classes: {string.Join(", ", resourceClasses)}.");

        if (request.Type is null) errors.Add("type", "Required: 'freestyle' or 'git'.");
        if (request.Description is { Length: > 2000 }) errors.Add("description", "At most 2000 characters.");
        if (request.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
            errors.Add("timeoutSeconds", $"Must be between 1 and {MaxTimeoutSeconds} seconds.");

        switch (request.Type)
        {
            case JobType.Freestyle:
                ValidateFreestyle(request, errors);
                break;
            case JobType.Git:
                if (request.Git is null) errors.Add("git", "Required for git jobs: { url, configPath, defaultBranch }.");
                else ValidateGit(request.Git, errors);
                if (request.Image is not null) errors.Add("image", "Git jobs take their image from the job config in the repository.");
                if (request.Script is not null) errors.Add("script", "Git jobs take their script from the job config in the repository.");
                if (request.Env is not null) errors.Add("env", "Git jobs take their env from the job config in the repository.");
                if (request.Steps is not null) errors.Add("steps", "Git jobs take their steps from the job config in the repository.");
                if (request.FailFast is not null) errors.Add("failFast", "Git jobs set failFast in the job config in the repository.");
                break;
        }

        var freestyle = request.Type == JobType.Freestyle;
        var env = freestyle ? JobStepsValidator.Variables(request.Env, "env", errors) : null;
        var steps = freestyle ? JobStepsValidator.Validate(request, resourceClasses, errors) : null;
        var parameters = ValidateParameters(request.Parameters ?? [], errors);
        ValidateFleetSettings(request, errors);
        var github = ValidateGithub(request, errors);
        if (errors.Any) return (null, errors);

        return (new JobSpec
        {
            Type = request.Type!.Value,
            ResourceClass = resourceClass,
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description,
            Image = freestyle ? request.Image : null,
            Script = freestyle ? request.Script : null,
            Env = env,
            Steps = steps,
            FailFast = steps is not null && request.FailFast == true,
            Git = request.Type == JobType.Git
                ? new GitSource
                {
                    Url = request.Git!.Url!,
                    ConfigPath = request.Git.ConfigPath ?? ".narwhal.yml",
                    DefaultBranch = request.Git.DefaultBranch ?? "main",
                }
                : null,
            Parameters = parameters,
            TimeoutSeconds = request.TimeoutSeconds,
            // Canonical: no retry is null whether it was left out or sent as { onLost: 0 }.
            Retry = request.Retry?.OnLost is > 0 and var onLost ? new RetryPolicy { OnLost = onLost } : null,
            MaxConcurrent = request.MaxConcurrent,
            ConcurrencyGroup = request.ConcurrencyGroup,
            Github = github,
        }, errors);
    }

    /// <summary>
    /// A freestyle job runs one script (image and script required) or, with <c>steps</c>, a pipeline (image and script
    /// are then defaults each step may replace: <see cref="JobStepsValidator"/> checks that every step has both).
    /// </summary>
    private static void ValidateFreestyle(JobRequest request, ValidationErrors errors)
    {
        var pipeline = request.Steps is not null;
        if (request.Image is null ? !pipeline : string.IsNullOrWhiteSpace(request.Image))
            errors.Add("image", pipeline
                ? "An image reference (or leave image out: then every step names its own)."
                : "Required for freestyle jobs: the image the script runs in.");
        else if (request.Image is not null && !ImageReference.IsValid(request.Image))
            errors.Add("image", $"'{request.Image}' is not an image reference: {ImageReference.Rule}.");
        if (request.Script is { } script ? script.Count == 0 || script.All(string.IsNullOrWhiteSpace) : !pipeline)
            errors.Add("script", pipeline
                ? "At least one command (or leave script out: then every step gives its own)."
                : "Required for freestyle jobs: at least one command.");
        if (request.Git is not null) errors.Add("git", "Only git jobs have a git source.");
        if (!pipeline && request.FailFast is not null) errors.Add("failFast", "Only pipelines (jobs with steps) have steps to stop.");
    }

    /// <summary>
    /// <c>github</c>: git jobs only. Canonical: every default is left out and a setting of nothing but defaults
    /// (<c>{}</c>, <c>{ "pushTags": false }</c>) is stored as no setting, so sending it again is "unchanged".
    /// </summary>
    private static GithubSettings? ValidateGithub(JobRequest request, ValidationErrors errors)
    {
        if (request.Github is not { } github) return null;
        if (request.Type is not JobType.Git)
        {
            errors.Add("github", "Only git jobs react to GitHub webhooks.");
            return null;
        }

        var branches = github.PushBranches ?? [];
        if (branches.Count > MaxPushBranches) errors.Add("github.pushBranches", $"At most {MaxPushBranches} branches or patterns.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < branches.Count; i++)
        {
            var field = $"github.pushBranches[{i}]";
            var pattern = branches[i];
            if (string.IsNullOrEmpty(pattern)) errors.Add(field, "A branch name or a pattern with '*' (e.g. \"main\", \"release/*\").");
            else if (pattern.StartsWith("refs/", StringComparison.Ordinal)) errors.Add(field, $"Give the branch name without refs/heads/: '{pattern}'.");
            // '*' is the only pattern character; the rest must be a valid branch name.
            else if (!Names.BranchName().IsMatch(pattern.Replace('*', 'x'))) errors.Add(field, $"'{pattern}' is neither a valid branch name nor a pattern of one.");
            else if (!seen.Add(pattern)) errors.Add(field, $"'{pattern}' is listed twice.");
        }

        var settings = new GithubSettings
        {
            PushBranches = branches.Count > 0 ? branches : null,
            PushTags = github.PushTags ?? false,
            CancelSuperseded = github.CancelSuperseded ?? false,
            ForkSecrets = github.ForkSecrets ?? false,
            CommitStatuses = github.CommitStatuses ?? false,
            StepStatuses = github.StepStatuses ?? false,
        };
        return settings is { PushBranches: null, PushTags: false, CancelSuperseded: false, ForkSecrets: false, CommitStatuses: false, StepStatuses: false } ? null : settings;
    }

    /// <summary>
    /// retry, maxConcurrent, concurrencyGroup. A group's limit is not stored apart: each job of the group
    /// states it (they should agree); when they differ, the run first in line waits for its own job's value.
    /// </summary>
    private static void ValidateFleetSettings(JobRequest request, ValidationErrors errors)
    {
        if (request.Retry is { } retry) ValidateRetry(retry, "retry.onLost", errors);
        if (request.MaxConcurrent is < 1 or > MaxConcurrentLimit)
            errors.Add("maxConcurrent", $"Must be between 1 and {MaxConcurrentLimit} runs at once.");
        if (request.ConcurrencyGroup is { } group)
        {
            if (!Names.JobName().IsMatch(group)) errors.Add("concurrencyGroup", $"Group name '{group}' is invalid: {Names.JobNameRule}.");
            else if (request.MaxConcurrent is null) errors.Add("concurrencyGroup", "Needs maxConcurrent: the number of runs the group's jobs may run at once.");
        }
    }

    /// <summary><c>retry: { onLost: N }</c> of a job or of one of its steps.</summary>
    internal static void ValidateRetry(RetryRequest retry, string field, ValidationErrors errors)
    {
        if (retry.OnLost is null) errors.Add(field, $"Required: how many times a lost run is queued again (0-{MaxRetryOnLost}).");
        else if (retry.OnLost is < 0 or > MaxRetryOnLost) errors.Add(field, $"Must be between 0 and {MaxRetryOnLost}.");
    }

    private static void ValidateGit(GitSourceRequest git, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(git.Url)) errors.Add("git.url", "Required: the clone URL.");
        else if (!IsCloneUrl(git.Url)) errors.Add("git.url", $"'{git.Url}' is not a clone URL (https://, http://, ssh://, git://, file:// or user@host:path).");
        else if (Uri.TryCreate(git.Url, UriKind.Absolute, out var uri) && HasCredentials(uri))
            errors.Add("git.url", "Credentials never go into the URL; set them as the job's git credentials.");
        if (git.ConfigPath is { } path && (path.Length == 0 || path.StartsWith('/') || path.Split('/').Contains("..")))
            errors.Add("git.configPath", "Must be a relative path inside the repository.");
        if (git.DefaultBranch is { } branch && !Names.BranchName().IsMatch(branch))
            errors.Add("git.defaultBranch", $"'{branch}' is not a valid branch name.");
    }

    /// <summary>
    /// Over HTTP any user part is a credential (a token as user name is common); over SSH a bare
    /// user name (<c>ssh://git@host/…</c>) is not, a password is.
    /// </summary>
    private static bool HasCredentials(Uri uri) =>
        !string.IsNullOrEmpty(uri.UserInfo) && (uri.Scheme is "http" or "https" || uri.UserInfo.Contains(':'));

    private static bool IsCloneUrl(string url) =>
        (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh" or "git" or "file")
        || System.Text.RegularExpressions.Regex.IsMatch(url, @"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$");

    private static List<ParameterDeclaration> ValidateParameters(List<ParameterRequest> parameters, ValidationErrors errors)
    {
        var result = new List<ParameterDeclaration>();
        if (parameters.Count > MaxParameters)
        {
            // One message, not one per parameter: the answer stays small whatever was sent.
            errors.Add("parameters", $"At most {MaxParameters} parameters per job; {parameters.Count} were declared.");
            return result;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var field = $"parameters[{i}]";
            if (p.Name is null || !Names.ParameterName().IsMatch(p.Name))
            {
                errors.Add($"{field}.name", $"'{p.Name}' is not a valid parameter name (1-100 letters, digits or '_', not starting with a digit; it becomes an environment variable).");
                continue;
            }
            if (p.Name.StartsWith("NARWHAL_", StringComparison.Ordinal) || p.Name == "CI")
                errors.Add($"{field}.name", $"'{p.Name}' is reserved for the variables Narwhal sets itself.");
            if (!seen.Add(p.Name)) errors.Add($"{field}.name", $"Parameter '{p.Name}' is declared twice.");
            if (p.Required && p.Default is not null)
                errors.Add($"{field}.default", "A required parameter has no default (the trigger must give it).");
            if (p.Default is { Length: > TriggerValidator.MaxParameterValueLength })
                errors.Add($"{field}.default", $"At most {TriggerValidator.MaxParameterValueLength} characters, as for a value given at trigger time.");
            if (p.Description is { Length: > MaxParameterDescriptionLength })
                errors.Add($"{field}.description", $"At most {MaxParameterDescriptionLength} characters.");
            result.Add(new ParameterDeclaration { Name = p.Name, Default = p.Default, Required = p.Required, Description = p.Description });
        }
        return result;
    }
}
