using System.Net;
using Narwhal.Api.Dtos;
using Narwhal.Api.Github.Webhooks;
using Narwhal.Api.Tests.Support;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>pull_request and ping deliveries, from GitHub's real payloads, against a real stack (no Runner: runs stay queued).</summary>
[TestFixture]
public sealed class PullRequestDeliveries_Specs : GithubStackFixture
{
    [Test]
    public async Task When_a_pull_request_is_opened_Should_queue_one_run_per_git_job_of_the_repository_on_its_head_commit()
    {
        // The payload as GitHub sent it; the jobs name its repository in three URL forms.
        await CreateGitJobAsync("pr-https", "https://github.com/Codertocat/Hello-World.git");
        await CreateGitJobAsync("pr-ssh", "git@github.com:Codertocat/Hello-World.git");
        await CreateGitJobAsync("pr-bare", "https://github.com/codertocat/hello-world");
        await CreateGitJobAsync("pr-other-repo", "https://github.com/Codertocat/Hello-World-Docs.git");
        await Client.CreateJobAsync("pr-freestyle", JobRequests.Freestyle("echo not me"));
        var deliveryId = Guid.NewGuid().ToString();

        var delivery = await DeliveryAsync(await Hooks.SendAsync("pull_request", GithubFixtures.Bytes(GithubFixtures.PullRequestOpened), deliveryId));

        Assert.That(delivery.Outcome, Is.EqualTo(DeliveryOutcome.Triggered));
        Assert.That((delivery.Id, delivery.Event, delivery.Action, delivery.Repository), Is.EqualTo((deliveryId, "pull_request", "opened", GithubFixtures.Repository)));
        Assert.That(delivery.RunIds, Has.Count.EqualTo(3));
        Assert.That(delivery.Duplicate, Is.False);
        foreach (var job in new[] { "pr-https", "pr-ssh", "pr-bare" })
        {
            var run = (await RunsOfAsync(job)).Single();
            Assert.That(run.GetProperty("status").GetString(), Is.EqualTo("queued"), job);
            Assert.That(run.GetProperty("commitSha").GetString(), Is.EqualTo(GithubFixtures.PullRequestHeadSha), job);
            Assert.That(delivery.RunIds, Does.Contain(run.GetProperty("id").GetGuid()), job);
        }
        Assert.That(await RunsOfAsync("pr-other-repo"), Is.Empty, "a job of another repository");
        Assert.That(await RunsOfAsync("pr-freestyle"), Is.Empty, "a freestyle job");
    }

    [Test]
    public async Task When_a_run_was_triggered_by_a_pull_request_Should_show_the_trigger_on_the_run()
    {
        var repository = UniqueRepository("trigger");
        await CreateGitJobAsync("trigger-shown", $"https://github.com/{repository}.git");
        var deliveryId = Guid.NewGuid().ToString();

        var delivery = await DeliveryAsync(await Hooks.SendAsync("pull_request", GithubFixtures.Rehomed(GithubFixtures.PullRequestOpened, repository), deliveryId));

        var run = await RunAsync(delivery.RunIds.Single());
        var trigger = run.GetProperty("trigger");
        Assert.That(trigger.GetProperty("kind").GetString(), Is.EqualTo("github"));
        var github = trigger.GetProperty("github");
        Assert.That(github.GetProperty("deliveryId").GetString(), Is.EqualTo(deliveryId));
        Assert.That(github.GetProperty("event").GetString(), Is.EqualTo("pull_request"));
        Assert.That(github.GetProperty("action").GetString(), Is.EqualTo("opened"));
        Assert.That(github.GetProperty("repository").GetString(), Is.EqualTo(repository));
        Assert.That(github.GetProperty("pullRequest").GetInt32(), Is.EqualTo(2));
        Assert.That(github.GetProperty("pullRequestUrl").GetString(), Is.EqualTo($"https://github.com/{repository}/pull/2"));
        Assert.That(github.GetProperty("headRef").GetString(), Is.EqualTo("changes"));
        Assert.That(github.GetProperty("sender").GetString(), Is.EqualTo("Codertocat"));
        Assert.That(github.GetProperty("fork").GetBoolean(), Is.False);
        Assert.That(github.GetProperty("secretsWithheld").GetBoolean(), Is.False);
        Assert.That(run.GetProperty("branch").GetString(), Is.EqualTo("changes"));
    }

    [Test]
    public async Task When_a_ping_arrives_Should_answer_200_and_record_it_without_triggering()
    {
        var deliveryId = Guid.NewGuid().ToString();

        var delivery = await DeliveryAsync(await Hooks.SendAsync("ping", GithubFixtures.Bytes(GithubFixtures.Ping), deliveryId));

        Assert.That(delivery.Outcome, Is.EqualTo(DeliveryOutcome.Ignored));
        Assert.That(delivery.Reason, Does.Contain("reaches Narwhal"));
        Assert.That(delivery.RunIds, Is.Empty);
        Assert.That(await DeliveriesRecordedAsync(deliveryId), Is.EqualTo(1));
    }

    [Test]
    public async Task When_a_pull_request_is_closed_Should_answer_200_saying_nothing_was_triggered_and_why()
    {
        var repository = UniqueRepository("closed");
        await CreateGitJobAsync("closed-pr", $"https://github.com/{repository}.git");

        var delivery = await DeliveryAsync(await Hooks.SendAsync("pull_request", GithubFixtures.Rehomed(GithubFixtures.PullRequestClosed, repository)));

        Assert.That(delivery.Outcome, Is.EqualTo(DeliveryOutcome.Ignored));
        Assert.That(delivery.Reason, Does.Contain("'closed' triggers nothing"));
        Assert.That(await RunsOfAsync("closed-pr"), Is.Empty);
    }

    [Test]
    public async Task When_a_pull_request_comes_from_a_fork_Should_withhold_secrets_unless_the_job_opts_in()
    {
        var repository = UniqueRepository("fork");
        await CreateGitJobAsync("fork-default", $"https://github.com/{repository}.git");
        await CreateGitJobAsync("fork-trusting", $"git@github.com:{repository}.git", new GithubSettingsRequest { ForkSecrets = true });

        var delivery = await DeliveryAsync(await Hooks.SendAsync("pull_request",
            GithubFixtures.FromFork(GithubFixtures.Rehomed(GithubFixtures.PullRequestOpened, repository))));

        Assert.That(delivery.RunIds, Has.Count.EqualTo(2));
        var withheld = (await RunsOfAsync("fork-default")).Single();
        var trusting = (await RunsOfAsync("fork-trusting")).Single();
        Assert.That(withheld.GetProperty("trigger").GetProperty("github").GetProperty("secretsWithheld").GetBoolean(), Is.True);
        Assert.That(withheld.GetProperty("trigger").GetProperty("github").GetProperty("fork").GetBoolean(), Is.True);
        Assert.That(withheld.GetProperty("trigger").GetProperty("github").GetProperty("forkRepository").GetString(), Is.EqualTo("forker/Hello-World"));
        Assert.That(withheld.TryGetProperty("branch", out _), Is.False, "a fork's branch is not a branch of the repository");
        Assert.That(trusting.GetProperty("trigger").GetProperty("github").GetProperty("secretsWithheld").GetBoolean(), Is.False);
    }

    [Test]
    public async Task When_a_pull_request_gets_a_new_push_Should_abort_the_older_commits_runs_of_jobs_that_cancel_superseded()
    {
        var repository = UniqueRepository("supersede");
        await CreateGitJobAsync("supersede-on", $"https://github.com/{repository}.git", new GithubSettingsRequest { CancelSuperseded = true });
        await CreateGitJobAsync("supersede-off", $"https://github.com/{repository}.git");
        var opened = GithubFixtures.Rehomed(GithubFixtures.PullRequestOpened, repository);
        var shaB = new string('b', 40);

        var first = await DeliveryAsync(await Hooks.SendAsync("pull_request", opened));
        var second = await DeliveryAsync(await Hooks.SendAsync("pull_request",
            GithubFixtures.WithHeadSha(GithubFixtures.Rehomed(GithubFixtures.PullRequestSynchronize, repository), shaB)));

        var on = (await RunsOfAsync("supersede-on")).ToDictionary(r => r.GetProperty("commitSha").GetString()!);
        Assert.That(on[GithubFixtures.PullRequestHeadSha].GetProperty("status").GetString(), Is.EqualTo("aborted"));
        Assert.That(on[GithubFixtures.PullRequestHeadSha].GetProperty("statusReason").GetString(),
            Does.Contain($"superseded by bbbbbbb (delivery {second.Id})"));
        Assert.That(on[shaB].GetProperty("status").GetString(), Is.EqualTo("queued"));
        Assert.That(second.SupersededRunIds, Is.EqualTo(new[] { on[GithubFixtures.PullRequestHeadSha].GetProperty("id").GetGuid() }));
        Assert.That((await RunsOfAsync("supersede-off")).Select(r => r.GetProperty("status").GetString()), Is.All.EqualTo("queued"),
            "a job without cancelSuperseded keeps every run");
        Assert.That(first.SupersededRunIds, Is.Empty);
    }

    [Test]
    public async Task When_a_superseded_run_is_already_running_Should_ask_its_Runner_to_stop_it()
    {
        var repository = UniqueRepository("running");
        await CreateGitJobAsync("supersede-running", $"https://github.com/{repository}.git", new GithubSettingsRequest { CancelSuperseded = true });
        var first = await DeliveryAsync(await Hooks.SendAsync("pull_request", GithubFixtures.Rehomed(GithubFixtures.PullRequestOpened, repository)));
        var running = first.RunIds.Single();
        // As a Runner's claim leaves it.
        await Stack.Database.ExecuteAsync(
            "UPDATE runs SET status = 'running', attempt = 1, attempt_id = gen_random_uuid(), runner_id = 'r1', started_at = now() WHERE id = @running",
            new { running });

        var second = await DeliveryAsync(await Hooks.SendAsync("pull_request",
            GithubFixtures.WithHeadSha(GithubFixtures.Rehomed(GithubFixtures.PullRequestSynchronize, repository), new string('c', 40))));

        var run = await RunAsync(running);
        Assert.That(run.GetProperty("status").GetString(), Is.EqualTo("running"), "its Runner ends it");
        Assert.That(run.GetProperty("abortRequestedBy").GetString(), Is.EqualTo($"superseded by ccccccc (delivery {second.Id})"));
        Assert.That(second.SupersededRunIds, Is.EqualTo(new[] { running }));
    }

    [Test]
    public async Task When_the_event_is_not_one_Narwhal_handles_Should_answer_202_and_record_it_as_ignored()
    {
        var delivery = await DeliveryAsync(
            await Hooks.SendAsync("issues", "{\"action\":\"opened\",\"repository\":{\"full_name\":\"acme/api\"}}"u8.ToArray()), HttpStatusCode.Accepted);

        Assert.That(delivery.Outcome, Is.EqualTo(DeliveryOutcome.Ignored));
        Assert.That(delivery.Reason, Does.Contain("'issues' is not handled"));
        Assert.That(await DeliveriesRecordedAsync(delivery.Id), Is.EqualTo(1));
    }
}
