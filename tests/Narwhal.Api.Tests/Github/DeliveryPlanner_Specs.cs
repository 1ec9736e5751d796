using Narwhal.Api.Github.Webhooks;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>What a delivery triggers, decided from the real payloads and in-memory jobs (no database, no HTTP).</summary>
[TestFixture]
public sealed class DeliveryPlanner_Specs
{
    private static Job GitJob(string name, string url, GithubSettings? github = null, params ParameterDeclaration[] parameters) => new()
    {
        Id = Guid.CreateVersion7(),
        Name = name,
        Spec = new JobSpec
        {
            Type = JobType.Git, ResourceClass = "small", Git = new GitSource { Url = url }, Github = github, Parameters = parameters,
        },
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    private static WebhookDelivery Parse(string @event, byte[] body) => WebhookParser.Parse(Guid.NewGuid().ToString(), @event, body);

    private static DeliveryPlan Plan(string @event, byte[] body, params Job[] jobs) => DeliveryPlanner.Plan(Parse(@event, body), jobs);

    [Test]
    public void When_a_pull_request_is_opened_Should_plan_one_run_per_job_of_the_repository_on_the_head_commit()
    {
        Job[] jobs =
        [
            GitJob("https", "https://github.com/Codertocat/Hello-World.git"),
            GitJob("ssh", "git@github.com:Codertocat/Hello-World.git"),
            GitJob("bare", "https://github.com/codertocat/hello-world"),
            GitJob("other", "https://github.com/Codertocat/Other.git"),
        ];

        var plan = Plan("pull_request", GithubFixtures.Bytes(GithubFixtures.PullRequestOpened), jobs);

        Assert.That(plan.Outcome, Is.EqualTo(DeliveryOutcome.Triggered));
        Assert.That(plan.Runs.Select(r => r.JobName), Is.EquivalentTo(new[] { "https", "ssh", "bare" }));
        Assert.That(plan.Runs.Select(r => r.CommitSha).Distinct(), Is.EqualTo(new[] { GithubFixtures.PullRequestHeadSha }));
        var trigger = plan.Runs[0].Trigger;
        Assert.That(trigger.Kind, Is.EqualTo(TriggerKind.Github));
        Assert.That(trigger.Github!.PullRequest, Is.EqualTo(2));
        Assert.That(trigger.Github.HeadRef, Is.EqualTo("changes"));
        Assert.That(trigger.Github.Sender, Is.EqualTo("Codertocat"));
        Assert.That(trigger.Github.Fork, Is.False);
        Assert.That(plan.Runs[0].Branch, Is.EqualTo("changes"));
        Assert.That(plan.Supersede, Is.Null, "no job asked for cancelSuperseded");
    }

    [Test]
    public void When_a_pull_request_is_closed_Should_trigger_nothing_and_say_why()
    {
        var plan = Plan("pull_request", GithubFixtures.Bytes(GithubFixtures.PullRequestClosed), GitJob("ci", "https://github.com/Codertocat/Hello-World.git"));

        Assert.That(plan.Outcome, Is.EqualTo(DeliveryOutcome.Ignored));
        Assert.That(plan.Runs, Is.Empty);
        Assert.That(plan.Reason, Does.Contain("'closed'").And.Contain("opened, synchronize, reopened"));
    }

    [Test]
    public void When_a_pull_request_comes_from_a_fork_Should_withhold_secrets_unless_the_job_opted_in()
    {
        var body = GithubFixtures.FromFork(GithubFixtures.Bytes(GithubFixtures.PullRequestOpened));

        var plan = Plan("pull_request", body,
            GitJob("plain", "https://github.com/Codertocat/Hello-World.git"),
            GitJob("trusting", "https://github.com/Codertocat/Hello-World.git", new GithubSettings { ForkSecrets = true }));

        var byJob = plan.Runs.ToDictionary(r => r.JobName);
        Assert.That(byJob["plain"].Trigger.Github!.ForkRepository, Is.EqualTo("forker/Hello-World"));
        Assert.That(byJob["plain"].Trigger.Github!.SecretsWithheld, Is.True);
        Assert.That(byJob["trusting"].Trigger.Github!.SecretsWithheld, Is.False);
        Assert.That(byJob["plain"].Branch, Is.Null, "a fork's branch is no branch of the repository");
    }

    [Test]
    public void When_a_job_cancels_superseded_runs_Should_plan_aborts_for_that_job_only()
    {
        var cancelling = GitJob("cancelling", "https://github.com/Codertocat/Hello-World.git", new GithubSettings { CancelSuperseded = true });

        var plan = Plan("pull_request", GithubFixtures.Bytes(GithubFixtures.PullRequestSynchronize),
            cancelling, GitJob("keeping", "https://github.com/Codertocat/Hello-World.git"));

        Assert.That(plan.Supersede, Is.Not.Null);
        Assert.That(plan.Supersede!.JobIds, Is.EqualTo(new[] { cancelling.Id }));
        Assert.That(plan.Supersede.PullRequest, Is.EqualTo(2));
        Assert.That(plan.Supersede.HeadSha, Is.EqualTo(GithubFixtures.PullRequestHeadSha));
        Assert.That(plan.Supersede.RequestedBy, Does.StartWith("superseded by ec26c3e (delivery "));
    }

    [Test]
    public void When_a_branch_is_pushed_Should_trigger_only_the_jobs_configured_for_it()
    {
        var plan = Plan("push", GithubFixtures.Bytes(GithubFixtures.PushNewBranch),
            GitJob("exact", "https://github.com/Codertocat/Hello-World.git", new GithubSettings { PushBranches = ["master"] }),
            GitJob("glob", "https://github.com/Codertocat/Hello-World.git", new GithubSettings { PushBranches = ["ma*"] }),
            GitJob("main-only", "https://github.com/Codertocat/Hello-World.git", new GithubSettings { PushBranches = ["main"] }),
            GitJob("prs-only", "https://github.com/Codertocat/Hello-World.git"));

        Assert.That(plan.Runs.Select(r => r.JobName), Is.EquivalentTo(new[] { "exact", "glob" }));
        Assert.That(plan.Runs.Select(r => r.CommitSha).Distinct(), Is.EqualTo(new[] { GithubFixtures.NewBranchSha }));
        Assert.That(plan.Runs.Select(r => r.Branch).Distinct(), Is.EqualTo(new[] { "master" }));
        Assert.That(plan.Runs[0].Trigger.Github!.Event, Is.EqualTo("push"));
    }

    [Test]
    public void When_a_branch_nobody_builds_is_pushed_Should_say_which_setting_would_trigger()
    {
        var plan = Plan("push", GithubFixtures.Bytes(GithubFixtures.PushNewBranch), GitJob("ci", "https://github.com/Codertocat/Hello-World.git"));

        Assert.That(plan.Outcome, Is.EqualTo(DeliveryOutcome.Ignored));
        Assert.That(plan.Reason, Does.Contain("branch 'master'").And.Contain("github.pushBranches"));
    }

    [Test]
    public void When_a_tag_or_branch_is_deleted_Should_trigger_nothing()
    {
        var everything = GitJob("all", "https://github.com/Codertocat/Hello-World.git", new GithubSettings { PushBranches = ["*"], PushTags = true });

        var tag = Plan("push", GithubFixtures.Bytes(GithubFixtures.PushTagDeleted), everything);
        var branch = Plan("push", GithubFixtures.BranchDeleted(GithubFixtures.Bytes(GithubFixtures.PushNewBranch)), everything);

        Assert.That(tag.Runs, Is.Empty);
        Assert.That(tag.Reason, Does.Contain("deleted tag 'simple-tag'"));
        Assert.That(branch.Runs, Is.Empty);
        Assert.That(branch.Reason, Does.Contain("deleted branch 'master'"));
    }

    [Test]
    public void When_a_tag_is_pushed_Should_trigger_only_jobs_with_pushTags_on_the_tagged_commit()
    {
        var body = GithubFixtures.TagPushed(GithubFixtures.Bytes(GithubFixtures.PushTagDeleted), GithubFixtures.NewBranchSha);

        var without = Plan("push", body, GitJob("branches", "https://github.com/Codertocat/Hello-World.git", new GithubSettings { PushBranches = ["*"] }));
        var with = Plan("push", body, GitJob("tags", "https://github.com/Codertocat/Hello-World.git", new GithubSettings { PushTags = true }));

        Assert.That(without.Runs, Is.Empty);
        Assert.That(without.Reason, Does.Contain("github.pushTags"));
        Assert.That(with.Runs.Single().CommitSha, Is.EqualTo(GithubFixtures.NewBranchSha));
        Assert.That(with.Runs.Single().Branch, Is.Null);
        Assert.That(with.Runs.Single().Trigger.Github!.HeadRef, Is.EqualTo("refs/tags/simple-tag"));
    }

    [Test]
    public void When_a_job_needs_a_parameter_without_default_Should_skip_it_and_say_so()
    {
        var plan = Plan("pull_request", GithubFixtures.Bytes(GithubFixtures.PullRequestOpened),
            GitJob("defaults", "https://github.com/Codertocat/Hello-World.git", null, new ParameterDeclaration { Name = "TARGET", Default = "staging" }),
            GitJob("needs", "https://github.com/Codertocat/Hello-World.git", null, new ParameterDeclaration { Name = "VERSION", Required = true }));

        Assert.That(plan.Runs.Single().JobName, Is.EqualTo("defaults"));
        Assert.That(plan.Runs.Single().Parameters["TARGET"], Is.EqualTo("staging"));
        Assert.That(plan.Reason, Does.Contain("'needs'").And.Contain("VERSION"));
    }

    [Test]
    public void When_the_event_is_ping_or_unknown_Should_trigger_nothing_and_mark_unknown_events_unhandled()
    {
        var ping = DeliveryPlanner.WithoutJobs(Parse("ping", GithubFixtures.Bytes(GithubFixtures.Ping)))!;
        var unknown = DeliveryPlanner.WithoutJobs(Parse("issues", "{\"action\":\"opened\",\"repository\":{\"full_name\":\"a/b\"}}"u8.ToArray()))!;

        Assert.That((ping.Outcome, ping.Handled), Is.EqualTo((DeliveryOutcome.Ignored, true)));
        Assert.That(ping.Reason, Does.Contain("109948940"));
        Assert.That(ping.Repository, Is.EqualTo("Octocoders/Hello-World"));
        Assert.That((unknown.Outcome, unknown.Handled), Is.EqualTo((DeliveryOutcome.Ignored, false)));
        Assert.That(unknown.Reason, Does.Contain("'issues' is not handled"));
        Assert.That((unknown.Action, unknown.Repository), Is.EqualTo(("opened", "a/b")));
    }

    [TestCase("pull_request", "{\"action\": \"opened\"", "Malformed JSON")]
    [TestCase("pull_request", "[1, 2]", "not an object")]
    [TestCase("pull_request", "{\"action\": \"opened\", \"repository\": {\"full_name\": \"a/b\"}}", "pull_request")]
    [TestCase("pull_request", "{\"action\": \"opened\", \"pull_request\": {\"number\": \"two\"}}", "Malformed JSON")]
    [TestCase("push", "{\"ref\": \"refs/heads/main\", \"after\": \"xyz\", \"repository\": {\"full_name\": \"a/b\"}}", "head_commit.id")]
    [TestCase("issues", "not json", "Malformed JSON")]
    public void When_a_payload_is_unusable_Should_refuse_it_naming_the_problem(string @event, string body, string expected)
    {
        Assert.That(() => WebhookParser.Parse("d1", @event, System.Text.Encoding.UTF8.GetBytes(body)),
            Throws.InstanceOf<WebhookPayloadException>().With.Message.Contains(expected));
    }
}
