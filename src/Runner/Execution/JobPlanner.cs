using Narwhal.Core.Configuration;
using Narwhal.Core.Jobs;
using Narwhal.Core.Pipelines;
using Narwhal.Core.Resilience;
using Narwhal.Core.Runs;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Git;
using Narwhal.Runner.JobConfigs;
using Narwhal.Runner.Pipelines;
using Polly;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Turns a claimed run into a <see cref="RunPlan"/>: a <see cref="JobPlan"/> to execute, or — for a
/// pipeline — its steps recorded for any Runner to execute. Freestyle jobs carry their plan; git jobs are
/// fetched (credentials for the fetch only), the branch is resolved and recorded, and the job config
/// file is read and validated — all before anything executes, so a bad config ends the run
/// <c>error</c> with the file, line and column, and nothing runs. A run whose secrets are withheld
/// (a fork's pull request, <see cref="ForkSecrets"/>) gets none: a freestyle job runs without them and
/// says so in its console; a job config naming one ends the run <c>error</c> saying why.
/// </summary>
public sealed class JobPlanner(
    GitMirrorCache git, JobSecretStore secrets, GitCredentialStore credentials, RunAttemptStore attempts, PipelineStore pipelines, BrokerSettings broker, RunnerSettings settings,
    ILogger<JobPlanner> logger)
{
    // Reads, and a fenced write that is the same whenever repeated: safe to retry through a database blink.
    private readonly ResiliencePipeline _database = NarwhalResilience.CreateTimedRetryPipeline("plan", logger, settings.ClaimRetryTime);
    private readonly ResiliencePipeline _fencedWrite = NarwhalResilience.CreateTimedRetryPipeline("record-commit", logger, settings.OutcomeRetryTime);

    public async Task<RunPlan> PlanAsync(ClaimedRun claimed, CancellationToken ct)
    {
        var run = claimed.Run;
        var withheld = ForkSecrets.WithheldBecause(run);
        // Withheld secrets are not even decrypted.
        var jobSecrets = withheld is null ? await _database.ExecuteAsync(async t => await secrets.RevealAllAsync(run.JobId, t), ct) : new Dictionary<string, string>();
        // The Api refuses such values now; one stored earlier must not reach Docker, whose refusal
        // would quote NAME=value. The run ends naming the secret, never its value.
        if (jobSecrets.FirstOrDefault(s => s.Value.Contains('\0')) is { Key: { } unusable })
            throw new RunRefusedException($"Secret {unusable} holds a NUL character, which no environment variable can carry; set it again.");
        var context = new PlanContext(claimed, jobSecrets, withheld, withheld is null ? [] : [ForkSecrets.Notice(withheld)]);

        if (claimed.Step is { } step) return RunPlan.Execute(await StepPlanAsync(context, step, ct));
        if (claimed.Job.Type == JobType.Freestyle)
        {
            if (claimed.Job.Steps is { } freestyleSteps)
            {
                var planned = MatrixSteps.Expand([.. freestyleSteps.Select(s => (FreestyleSteps.Plan(claimed.Job, s), s.Matrix))]);
                await RecordAsync(claimed, null, claimed.Job.FailFast, planned, ct);
                return RunPlan.Recorded(planned.Count);
            }
            return RunPlan.Execute(FreestylePlan(context, FreestyleSteps.WholeJob(claimed.Job)));
        }

        var source = claimed.Job.Git!;
        var commit = await FetchAsync(claimed, source, commitSha: null, ct);
        await SkipIfAskedAsync(claimed, source, commit, ct);
        var file = await ReadConfigAsync(source, commit, ct);
        if (file.Pipeline is { } pipeline)
        {
            CheckSecrets(context, pipeline.Steps.SelectMany(s => s.Job.Secrets).Distinct(StringComparer.Ordinal).ToList(), source.ConfigPath);
            var conditions = await ConditionContextAsync(claimed, source, commit, pipeline, ct);
            var planned = ConditionalSteps.Settle(MatrixSteps.Expand([.. pipeline.Steps.Select(s =>
                (GitSteps.Plan(s, run.ResourceClass) with { SkipReason = StepConditions.Unmet(s.Condition, conditions) }, s.Matrix))]));
            if (planned.All(s => s.SkipReason is not null))
                throw new RunSkippedException($"No step of {source.ConfigPath} runs for this run: {planned[0].SkipReason}");
            await RecordAsync(claimed, commit, pipeline.FailFast, planned, ct);
            return RunPlan.Recorded(planned.Count);
        }
        CheckSecrets(context, file.Single!.Secrets, source.ConfigPath);
        return RunPlan.Execute(GitPlan(context, file.Single, source, commit));
    }

    /// <summary>
    /// A commit whose message says <c>[skip ci]</c> or <c>[ci skip]</c> is not built when a forge event brings it: the
    /// run ends skipped, saying so. A run someone asked for by hand (API, CLI, web UI) is built whatever the message.
    /// </summary>
    private async Task SkipIfAskedAsync(ClaimedRun claimed, GitSource source, string commit, CancellationToken ct)
    {
        if (claimed.Run.Trigger.Kind != TriggerKind.Github) return;
        var message = await git.ReadMessageAsync(source.Url, commit, ct);
        if (SkipMarkers.FirstOrDefault(m => message.Contains(m, StringComparison.OrdinalIgnoreCase)) is { } marker)
            throw new RunSkippedException($"The message of commit {commit[..12]} says {marker}: not built.");
    }

    private static readonly string[] SkipMarkers = ["[skip ci]", "[ci skip]"];

    /// <summary>The run's branch, event, and — only when a step asks, and there is a commit to compare with — its changed paths.</summary>
    private async Task<ConditionContext> ConditionContextAsync(ClaimedRun claimed, GitSource source, string commit, PipelineConfig pipeline, CancellationToken ct)
    {
        var run = claimed.Run;
        var branch = run.Branch ?? run.Trigger.Github?.HeadRef;
        IReadOnlyList<string>? changed = null;
        if (pipeline.Steps.Any(s => s.Condition?.Changes.Count > 0) && run.Trigger.Github?.BaseSha is { } baseSha)
        {
            try
            {
                await FetchAsync(claimed, source, baseSha, ct, recordCommit: false);
                changed = await git.ChangedPathsAsync(source.Url, baseSha, commit, ct);
            }
            catch (Exception ex) when (ex is RunRefusedException or GitFetchException)
            {
                // Not knowing what changed must not skip a step: it runs, as for a run with nothing to compare with.
                logger.LogWarning("Run {RunId}: could not compare {Base} with {Commit} for when.changes: {Message}", run.Id, baseSha, commit, ex.Message);
            }
        }
        return new ConditionContext(branch, StepEvents.Of(run.Trigger), changed);
    }

    /// <summary>What every plan of one claimed run draws on.</summary>
    private sealed record PlanContext(ClaimedRun Claimed, IReadOnlyDictionary<string, string> JobSecrets, string? Withheld, IReadOnlyList<string> Notices)
    {
        public IReadOnlyDictionary<string, string> Standard { get; } = ContainerSpecFactory.Environment(Claimed);
    }

    /// <summary>A step executes what was recorded when its pipeline was planned: never a re-read of the config.</summary>
    private async Task<JobPlan> StepPlanAsync(PlanContext context, ClaimedStep step, CancellationToken ct)
    {
        if (context.Claimed.Job.Type == JobType.Freestyle) return FreestylePlan(context, step.Definition);
        var source = context.Claimed.Job.Git!;
        // The commit the pipeline was planned at: fetched by it if this Runner's mirror lacks it.
        var commit = await FetchAsync(context.Claimed, source, context.Claimed.Run.CommitSha, ct);
        CheckSecrets(context, step.Definition.Secrets, source.ConfigPath);
        return GitPlan(context, step.Definition, source, commit);
    }

    private static JobPlan FreestylePlan(PlanContext context, JobConfig definition) => new()
    {
        Image = new ImageSource(definition.Image, null),
        Script = definition.Script,
        // Freestyle jobs have no config to name their secrets: they get all of them.
        Environment = Merge(definition.Env, Merge(context.JobSecrets, context.Standard)),
        SecretValues = context.JobSecrets.Values.ToList(),
        Timeout = definition.Timeout,
        Notices = context.Notices,
    };

    private static JobPlan GitPlan(PlanContext context, JobConfig config, GitSource source, string commit)
    {
        var named = config.Secrets.ToDictionary(n => n, n => context.JobSecrets[n], StringComparer.Ordinal);
        var environment = Merge(config.Env, Merge(named, context.Standard));
        var withCommit = new Dictionary<string, string>(environment) { ["NARWHAL_COMMIT"] = commit };
        return new JobPlan
        {
            Image = new ImageSource(config.Image, config.Build),
            Script = config.Script,
            Environment = withCommit,
            SecretValues = context.JobSecrets.Values.ToList(),
            Services = config.Services.Select(s => new ServicePlan(s.Key, new ImageSource(s.Value.Image, s.Value.Build),
                s.Value.Env, s.Value.Command, s.Value.Ready, s.Value.ReadyTimeout)).ToList(),
            Workspace = new WorkspaceSource(source.Url, commit),
            User = config.User,
            Cpus = config.Resources?.Cpus,
            MemoryBytes = config.Resources?.MemoryBytes,
            Timeout = config.Timeout,
            Results = config.Results,
            Caches = config.Caches,
            Notices = context.Notices,
        };
    }

    private async Task<ConfigFile> ReadConfigAsync(GitSource source, string commit, CancellationToken ct)
    {
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
        try
        {
            return JobConfigParser.ParseFile(text, source.ConfigPath);
        }
        catch (JobConfigException ex)
        {
            throw new RunRefusedException(ex.Message, ex);
        }
    }

    /// <summary>The secrets a config names must exist, and must not be withheld (a fork's pull request).</summary>
    private static void CheckSecrets(PlanContext context, IReadOnlyList<string> names, string configPath)
    {
        if (context.Withheld is not null && names.Count > 0)
            throw new RunRefusedException(ForkSecrets.Refusal(names, context.Withheld));
        var missing = names.Where(name => !context.JobSecrets.ContainsKey(name)).ToList();
        var job = context.Claimed.Run.JobName;
        if (missing.Count > 0)
            throw new RunRefusedException(missing.Count == 1
                ? $"{configPath} names the secret '{missing[0]}', which job '{job}' does not have (PUT /jobs/{job}/secrets/{missing[0]})."
                : $"{configPath} names secrets job '{job}' does not have: {string.Join(", ", missing)}.");
    }

    private async Task RecordAsync(ClaimedRun claimed, string? commit, bool failFast, IReadOnlyList<PlannedStep> steps, CancellationToken ct)
    {
        // A class without a queue would leave the step queued forever: refuse the pipeline before any step exists.
        if (steps.FirstOrDefault(s => !broker.ResourceClasses.Contains(s.ResourceClass, StringComparer.Ordinal)) is { } unknown)
            throw new RunRefusedException(
                $"Step '{unknown.Key}' names resource class '{unknown.ResourceClass}', which is not one of NARWHAL_RESOURCE_CLASSES ({string.Join(", ", broker.ResourceClasses)}).");
        // The running pipeline holds its job's slot of that group: a step waiting for the same group would wait forever.
        if (claimed.Job.ConcurrencyGroup is { } jobGroup && steps.FirstOrDefault(s => s.ConcurrencyGroup == jobGroup) is { } blocked)
            throw new RunRefusedException(
                $"Step '{blocked.Key}' names concurrency group '{jobGroup}', which job '{claimed.Run.JobName}' itself is in: the step would wait for its own run. Use another group.");
        await _fencedWrite.ExecuteAsync(async t => await pipelines.RecordAsync(claimed, commit, failFast, steps, t), ct);
    }

    /// <summary>
    /// Fetches with the job's git credentials, also for a fork's pull request: they serve this read only
    /// and never reach the job (see <see cref="ForkSecrets"/>).
    /// </summary>
    private async Task<string> FetchAsync(ClaimedRun claimed, GitSource source, string? commitSha, CancellationToken ct, bool recordCommit = true)
    {
        var stored = await _database.ExecuteAsync(async t => await credentials.RevealAsync(claimed.Run.JobId, t), ct);
        var gitCredentials = stored is null ? null : stored.Kind == GitCredentialKind.SshKey
            ? new GitCredentials { SshPrivateKey = stored.Secret }
            : new GitCredentials { Username = stored.Username, Token = stored.Secret };
        string commit;
        try
        {
            commitSha ??= claimed.Run.CommitSha;
            commit = await git.FetchAsync(source.Url, commitSha is null ? claimed.Run.Branch : null, commitSha, gitCredentials, ct,
                pullRequest: commitSha is null ? null : claimed.Run.Trigger.Github?.PullRequest);
        }
        catch (GitFetchException ex)
        {
            throw new RunRefusedException(ex.Message, ex);
        }
        // Triggered by branch: the run records the exact commit it ran.
        if (recordCommit && claimed.Run.CommitSha != commit)
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
