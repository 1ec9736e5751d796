using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;
using Narwhal.Core.Runs;

namespace Narwhal.Testing.Github;

/// <summary>Runs as a GitHub webhook delivery creates them: a github trigger, the head commit recorded, published through the outbox.</summary>
public static class GithubRuns
{
    /// <summary>A pull request of <paramref name="repository"/>; from <paramref name="fork"/> when given (then without secrets, unless said otherwise).</summary>
    public static GithubTrigger PullRequest(string repository, int number, string? fork = null, bool? secretsWithheld = null) => new()
    {
        DeliveryId = Guid.NewGuid().ToString(),
        Event = "pull_request",
        Action = "synchronize",
        Repository = repository,
        PullRequest = number,
        PullRequestUrl = $"https://github.com/{repository}/pull/{number}",
        HeadRef = "feature",
        ForkRepository = fork,
        SecretsWithheld = secretsWithheld ?? fork is not null,
        Sender = "octocat",
    };

    /// <summary>A random full commit id (for freestyle jobs, which never fetch it).</summary>
    public static string RandomSha() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..8];

    /// <summary>
    /// Stores a run of <paramref name="jobName"/> with <paramref name="trigger"/> (a github one, or null
    /// for an API trigger) and publishes its ExecuteRun with the Api's publisher, as a trigger request would.
    /// </summary>
    public static async Task<Run> TriggerAsync(this TestStack stack, string jobName, string? commitSha, GithubTrigger? trigger)
    {
        var db = stack.Database.DataSource;
        var job = await new JobStore(db).GetAsync(jobName, includeDeleted: false, CancellationToken.None)
            ?? throw new InvalidOperationException($"No job {jobName}");
        var created = await new RunStore(db, TimeProvider.System).CreateAsync(new NewRun
        {
            JobId = job.Id,
            JobName = job.Name,
            ResourceClass = job.Spec.ResourceClass,
            CommitSha = commitSha,
            Branch = commitSha is null ? job.Spec.Git?.DefaultBranch : null,
            Parameters = new Dictionary<string, string>(),
            Trigger = trigger is null
                ? new RunTrigger { Kind = TriggerKind.Api, TokenName = "test" }
                : new RunTrigger { Kind = TriggerKind.Github, Github = trigger },
        }, CancellationToken.None);
        if (created.OutboxId is { } outboxId)
        {
            var outbox = new OutboxStore(db);
            var message = await outbox.GetUnpublishedAsync(outboxId, CancellationToken.None)
                ?? throw new InvalidOperationException($"Outbox row {outboxId} is gone");
            await stack.ApiService<RunPublisher>().PublishAsync(message, CancellationToken.None);
            await outbox.MarkPublishedAsync(outboxId, CancellationToken.None);
        }
        return created.Run!;
    }
}
