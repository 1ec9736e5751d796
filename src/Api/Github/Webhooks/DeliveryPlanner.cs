using Narwhal.Api.Runs;
using Narwhal.Core.Github;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;

namespace Narwhal.Api.Github.Webhooks;

/// <summary>
/// Decides what a parsed delivery does, from the delivery and the live git jobs alone (pure, no I/O):
/// <list type="bullet">
/// <item>ping: nothing (the record shows the webhook reaches Narwhal).</item>
/// <item>pull_request opened, synchronize or reopened: a run of every git job of the repository on the head commit;
/// from a fork, without secrets unless the job sets <c>github.forkSecrets</c>; jobs with <c>github.cancelSuperseded</c>
/// abort their runs of older commits of the same pull request. Other actions: nothing.</item>
/// <item>push to a branch: the jobs whose <c>github.pushBranches</c> match it; to a tag: those with <c>github.pushTags</c>;
/// a deleted branch or tag: nothing.</item>
/// <item>any other event: nothing (answered 202).</item>
/// </list>
/// Jobs match by repository identity (<see cref="RepositoryIdentity"/>), never by comparing URL strings.
/// </summary>
public static class DeliveryPlanner
{
    public static readonly IReadOnlyList<string> PullRequestActions = ["opened", "synchronize", "reopened"];

    /// <summary>The plan when the delivery can trigger nothing whatever the jobs are; null when the jobs decide.</summary>
    public static DeliveryPlan? WithoutJobs(WebhookDelivery delivery)
    {
        var payload = delivery.Payload;
        switch (delivery.Event)
        {
            case WebhookParser.Ping:
                return DeliveryPlan.Ignored(delivery, $"ping: the webhook{(payload.HookId is { } hook ? $" (hook {hook})" : "")} reaches Narwhal; nothing to run.");
            case WebhookParser.PullRequest when !PullRequestActions.Contains(delivery.Action):
                return DeliveryPlan.Ignored(delivery,
                    $"pull_request action '{DeliveryPlan.Bounded(delivery.Action, 50)}' triggers nothing (only {string.Join(", ", PullRequestActions)} do).");
            case WebhookParser.PullRequest:
                return null;
            case WebhookParser.Push when payload.Deleted:
                return DeliveryPlan.Ignored(delivery, $"push deleted {RefKind(payload.Ref!)} '{ShortRef(payload.Ref!)}'; nothing to run.");
            case WebhookParser.Push when !IsBranch(payload.Ref!) && !IsTag(payload.Ref!):
                return DeliveryPlan.Ignored(delivery, $"push to '{payload.Ref}', which is neither a branch nor a tag; nothing to run.");
            case WebhookParser.Push:
                return null;
            default:
                return DeliveryPlan.Ignored(delivery,
                    $"event '{DeliveryPlan.Bounded(delivery.Event, 50)}' is not handled (only {WebhookParser.Ping}, {WebhookParser.PullRequest} and {WebhookParser.Push} are).",
                    handled: false);
        }
    }

    /// <param name="gitJobs">Live git jobs; those of other repositories are left out here.</param>
    public static DeliveryPlan Plan(WebhookDelivery delivery, IEnumerable<Job> gitJobs)
    {
        if (WithoutJobs(delivery) is { } nothing) return nothing;

        var repository = delivery.Payload.Repository!;
        var identities = repository.Identities();
        var jobs = gitJobs
            .Where(j => j.Spec is { Type: JobType.Git, Git: { } git } && RepositoryIdentity.TryParse(git.Url, out var id) && identities.Contains(id))
            .OrderBy(j => j.Id)
            .ToList();
        if (jobs.Count == 0)
            return DeliveryPlan.Ignored(delivery, $"no git job builds {repository.FullName} (jobs match by their git.url).");

        return delivery.Event == WebhookParser.PullRequest ? PlanPullRequest(delivery, jobs) : PlanPush(delivery, jobs);
    }

    private static DeliveryPlan PlanPullRequest(WebhookDelivery delivery, IReadOnlyList<Job> jobs)
    {
        var payload = delivery.Payload;
        var pr = payload.PullRequest!;
        var head = pr.Head!;
        var fullName = payload.Repository!.FullName!;
        var fork = ForkOf(pr, payload.Repository);
        var deliveryRuns = jobs.Select(job => (job, Run: NewRunOf(job, head.Sha!, fork is null ? head.Ref : null, new GithubTrigger
        {
            DeliveryId = delivery.Id,
            Event = delivery.Event,
            Action = delivery.Action,
            Repository = fullName,
            PullRequest = pr.Number,
            PullRequestUrl = DeliveryPlan.Bounded(pr.HtmlUrl, 500),
            HeadRef = head.Ref,
            BaseSha = FullShaOrNull(pr.Base?.Sha),
            ForkRepository = fork,
            SecretsWithheld = fork is not null && job.Spec.Github?.ForkSecrets != true,
            Sender = DeliveryPlan.Bounded(payload.Sender?.Login),
        }))).ToList();

        var superseding = jobs.Where(j => j.Spec.Github?.CancelSuperseded == true).Select(j => j.Id).ToList();
        return Planned(delivery, deliveryRuns) with
        {
            Supersede = superseding.Count == 0 ? null : new SupersedeRequest(superseding, fullName, pr.Number!.Value, head.Sha!,
                $"superseded by {head.Sha![..7]} (delivery {DeliveryPlan.Bounded(delivery.Id, 100)})"),
        };
    }

    private static DeliveryPlan PlanPush(WebhookDelivery delivery, IReadOnlyList<Job> jobs)
    {
        var payload = delivery.Payload;
        var fullRef = payload.Ref!;
        var tag = IsTag(fullRef);
        var name = ShortRef(fullRef);
        var wanted = jobs.Where(j => tag ? j.Spec.Github?.PushTags == true : BranchPattern.MatchesAny(j.Spec.Github?.PushBranches, name)).ToList();
        if (wanted.Count == 0)
            return DeliveryPlan.Ignored(delivery, tag
                ? $"no job of {payload.Repository!.FullName} runs on tag pushes (github.pushTags); {jobs.Count} job(s) build the repository."
                : $"no job of {payload.Repository!.FullName} runs on pushes to branch '{name}' (github.pushBranches); {jobs.Count} job(s) build the repository.");

        var sha = payload.HeadCommit?.Id ?? payload.After!;
        return Planned(delivery, wanted.Select(job => (job, NewRunOf(job, sha, tag ? null : name, new GithubTrigger
        {
            DeliveryId = delivery.Id,
            Event = delivery.Event,
            Repository = payload.Repository!.FullName!,
            HeadRef = tag ? fullRef : name,
            // A new branch's push has no commit before it (GitHub sends forty zeros).
            BaseSha = FullShaOrNull(payload.Before) is { } before && before.Any(c => c != '0') ? before : null,
            Sender = DeliveryPlan.Bounded(payload.Sender?.Login),
        }))).ToList());
    }

    /// <summary>A full commit id, lower case, or null for anything else: it is passed to git later.</summary>
    private static string? FullShaOrNull(string? sha) =>
        sha is { Length: 40 } && sha.All(char.IsAsciiHexDigit) ? sha.ToLowerInvariant() : null;

    /// <summary>Runs for the jobs that can take them; a job with a required parameter without default cannot (the reason says so).</summary>
    private static DeliveryPlan Planned(WebhookDelivery delivery, IReadOnlyList<(Job Job, NewRun? Run)> candidates)
    {
        var runs = candidates.Where(c => c.Run is not null).Select(c => c.Run!).ToList();
        var skipped = candidates.Where(c => c.Run is null)
            .Select(c => $"job '{c.Job.Name}' needs parameter(s) {string.Join(", ", MissingParameters(c.Job))} a webhook cannot give")
            .ToList();
        var reason = skipped.Count == 0 ? null : string.Join("; ", skipped) + ".";
        return new DeliveryPlan
        {
            DeliveryId = delivery.Id,
            Event = delivery.Event,
            Action = DeliveryPlan.Bounded(delivery.Action),
            Repository = delivery.Repository,
            Outcome = runs.Count > 0 ? DeliveryOutcome.Triggered : DeliveryOutcome.Ignored,
            Reason = DeliveryPlan.Bounded(reason, 1000),
            Runs = runs,
        };
    }

    private static NewRun? NewRunOf(Job job, string sha, string? branch, GithubTrigger trigger)
    {
        if (MissingParameters(job).Any()) return null;
        return new NewRun
        {
            JobId = job.Id,
            JobName = job.Name,
            ResourceClass = job.Spec.ResourceClass,
            CommitSha = sha,
            Branch = branch,
            Parameters = job.Spec.Parameters.Where(p => p.Default is not null).ToDictionary(p => p.Name, p => p.Default!, StringComparer.Ordinal),
            Trigger = new RunTrigger { Kind = TriggerKind.Github, Github = trigger },
        };
    }

    private static IEnumerable<string> MissingParameters(Job job) =>
        job.Spec.Parameters.Where(p => p.Required && p.Default is null).Select(p => p.Name);

    /// <summary>
    /// The head's repository when it is not the base's (a fork), else null. A head whose fork was deleted counts as a
    /// fork: its code is not the repository's.
    /// </summary>
    private static string? ForkOf(PullRequestPayload pr, GithubRepositoryPayload repository)
    {
        var headRepo = pr.Head!.Repo;
        if (headRepo is null) return $"{pr.Head.User?.Login ?? "unknown"}/(deleted fork)";
        var baseRepo = pr.Base?.Repo ?? repository;
        var same = headRepo.Id is { } headId && baseRepo.Id is { } baseId
            ? headId == baseId
            : string.Equals(headRepo.FullName, baseRepo.FullName, StringComparison.OrdinalIgnoreCase);
        return same ? null : headRepo.FullName ?? "unknown fork";
    }

    private static bool IsBranch(string fullRef) => fullRef.StartsWith("refs/heads/", StringComparison.Ordinal);
    private static bool IsTag(string fullRef) => fullRef.StartsWith("refs/tags/", StringComparison.Ordinal);
    private static string RefKind(string fullRef) => IsTag(fullRef) ? "tag" : IsBranch(fullRef) ? "branch" : "ref";

    private static string ShortRef(string fullRef) =>
        IsBranch(fullRef) ? fullRef["refs/heads/".Length..] : IsTag(fullRef) ? fullRef["refs/tags/".Length..] : fullRef;
}
