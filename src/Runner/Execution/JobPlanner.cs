using Narwhal.Core.Jobs;
using Narwhal.Core.Resilience;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Git;
using Narwhal.Runner.JobConfigs;
using Polly;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Turns a claimed run into a <see cref="JobPlan"/>. Freestyle jobs carry their plan; git jobs are
/// fetched (credentials for the fetch only), the branch is resolved and recorded, and the job config
/// file is read and validated — all before anything executes, so a bad config ends the run
/// <c>error</c> with the file, line and column, and nothing runs. A run whose secrets are withheld
/// (a fork's pull request, <see cref="ForkSecrets"/>) gets none: a freestyle job runs without them and
/// says so in its console; a job config naming one ends the run <c>error</c> saying why.
/// </summary>
public sealed class JobPlanner(
    GitMirrorCache git, JobSecretStore secrets, GitCredentialStore credentials, RunAttemptStore attempts, RunnerSettings settings,
    ILogger<JobPlanner> logger)
{
    // Reads, and a fenced write that is the same whenever repeated: safe to retry through a database blink.
    private readonly ResiliencePipeline _database = NarwhalResilience.CreateTimedRetryPipeline("plan", logger, settings.ClaimRetryTime);
    private readonly ResiliencePipeline _fencedWrite = NarwhalResilience.CreateTimedRetryPipeline("record-commit", logger, settings.OutcomeRetryTime);

    public async Task<JobPlan> PlanAsync(ClaimedRun claimed, CancellationToken ct)
    {
        var run = claimed.Run;
        var withheld = ForkSecrets.WithheldBecause(run);
        // Withheld secrets are not even decrypted.
        var jobSecrets = withheld is null ? await _database.ExecuteAsync(async t => await secrets.RevealAllAsync(run.JobId, t), ct) : new Dictionary<string, string>();
        // The Api refuses such values now; one stored earlier must not reach Docker, whose refusal
        // would quote NAME=value. The run ends naming the secret, never its value.
        if (jobSecrets.FirstOrDefault(s => s.Value.Contains('\0')) is { Key: { } unusable })
            throw new RunRefusedException($"Secret {unusable} holds a NUL character, which no environment variable can carry; set it again.");
        IReadOnlyList<string> notices = withheld is null ? [] : [ForkSecrets.Notice(withheld)];
        var standard = ContainerSpecFactory.Environment(claimed);
        if (claimed.Job.Type == JobType.Freestyle)
            return new JobPlan
            {
                Image = new ImageSource(claimed.Job.Image, null),
                Script = claimed.Job.Script!,
                // Freestyle jobs have no config to name their secrets: they get all of them.
                Environment = Merge(jobSecrets, standard),
                SecretValues = jobSecrets.Values.ToList(),
                Notices = notices,
            };

        var source = claimed.Job.Git!;
        var commit = await FetchAsync(claimed, source, ct);
        string? text;
        try
        {
            text = await git.ReadFileAsync(source.Url, commit, source.ConfigPath, ct);
        }
        catch (GitFetchException ex)
        {
            // Too large, unreadable: the config's fault, said as such, not a Runner error.
            throw new RunRefusedException(ex.Message, ex);
        }
        if (text is null) throw new RunRefusedException($"The job config file '{source.ConfigPath}' does not exist at commit {commit}.");
        JobConfig config;
        try
        {
            config = JobConfigParser.Parse(text, source.ConfigPath);
        }
        catch (JobConfigException ex)
        {
            throw new RunRefusedException(ex.Message, ex);
        }

        if (withheld is not null && config.Secrets.Count > 0)
            throw new RunRefusedException(ForkSecrets.Refusal(config.Secrets, withheld));
        var missing = config.Secrets.Where(name => !jobSecrets.ContainsKey(name)).ToList();
        if (missing.Count > 0)
            throw new RunRefusedException(missing.Count == 1
                ? $"{source.ConfigPath} names the secret '{missing[0]}', which job '{run.JobName}' does not have (PUT /jobs/{run.JobName}/secrets/{missing[0]})."
                : $"{source.ConfigPath} names secrets job '{run.JobName}' does not have: {string.Join(", ", missing)}.");

        var named = config.Secrets.ToDictionary(n => n, n => jobSecrets[n], StringComparer.Ordinal);
        var environment = Merge(config.Env, Merge(named, standard));
        var withCommit = new Dictionary<string, string>(environment) { ["NARWHAL_COMMIT"] = commit };
        return new JobPlan
        {
            Image = new ImageSource(config.Image, config.Build),
            Script = config.Script,
            Environment = withCommit,
            SecretValues = jobSecrets.Values.ToList(),
            Services = config.Services.Select(s => new ServicePlan(s.Key, new ImageSource(s.Value.Image, s.Value.Build),
                s.Value.Env, s.Value.Command, s.Value.Ready, s.Value.ReadyTimeout)).ToList(),
            Workspace = new WorkspaceSource(source.Url, commit),
            User = config.User,
            Cpus = config.Resources?.Cpus,
            MemoryBytes = config.Resources?.MemoryBytes,
            Timeout = config.Timeout,
            Results = config.Results,
            Notices = notices,
        };
    }

    /// <summary>
    /// Fetches with the job's git credentials, also for a fork's pull request: they serve this read only
    /// and never reach the job (see <see cref="ForkSecrets"/>).
    /// </summary>
    private async Task<string> FetchAsync(ClaimedRun claimed, GitSource source, CancellationToken ct)
    {
        var stored = await _database.ExecuteAsync(async t => await credentials.RevealAsync(claimed.Run.JobId, t), ct);
        var gitCredentials = stored is null ? null : stored.Kind == GitCredentialKind.SshKey
            ? new GitCredentials { SshPrivateKey = stored.Secret }
            : new GitCredentials { Username = stored.Username, Token = stored.Secret };
        string commit;
        try
        {
            commit = await git.FetchAsync(source.Url, claimed.Run.CommitSha is null ? claimed.Run.Branch : null, claimed.Run.CommitSha, gitCredentials, ct,
                pullRequest: claimed.Run.CommitSha is null ? null : claimed.Run.Trigger.Github?.PullRequest);
        }
        catch (GitFetchException ex)
        {
            throw new RunRefusedException(ex.Message, ex);
        }
        // Triggered by branch: the run records the exact commit it ran.
        if (claimed.Run.CommitSha != commit)
            await _fencedWrite.ExecuteAsync(async t => await attempts.RecordCommitAsync(claimed.Run.Id, claimed.AttemptId, commit, t), ct);
        return commit;
    }

    /// <summary>Later maps win: standard variables over secrets over the config's plain env.</summary>
    private static IReadOnlyDictionary<string, string> Merge(IReadOnlyDictionary<string, string> lower, IReadOnlyDictionary<string, string> higher)
    {
        var merged = new Dictionary<string, string>(lower, StringComparer.Ordinal);
        foreach (var (k, v) in higher) merged[k] = v;
        return merged;
    }
}
