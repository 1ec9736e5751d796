using Narwhal.Api.Dtos;
using Narwhal.Api.Github.Webhooks;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>push deliveries: only jobs configured for the branch (github.pushBranches) or for tags (github.pushTags) run; deletions never.</summary>
[TestFixture]
public sealed class PushDeliveries_Specs : GithubStackFixture
{
    [Test]
    public async Task When_a_configured_branch_is_pushed_Should_queue_a_run_on_the_pushed_commit()
    {
        await CreateGitJobAsync("push-master", "https://github.com/Codertocat/Hello-World.git", new GithubSettingsRequest { PushBranches = ["master"] });
        await CreateGitJobAsync("push-glob", "git@github.com:Codertocat/Hello-World", new GithubSettingsRequest { PushBranches = ["release/*", "mast*"] });
        await CreateGitJobAsync("push-main", "https://github.com/Codertocat/Hello-World.git", new GithubSettingsRequest { PushBranches = ["main"] });

        var delivery = await DeliveryAsync(await Hooks.SendAsync("push", GithubFixtures.Bytes(GithubFixtures.PushNewBranch)));

        Assert.That(delivery.Outcome, Is.EqualTo(DeliveryOutcome.Triggered));
        Assert.That(delivery.RunIds, Has.Count.EqualTo(2));
        foreach (var job in new[] { "push-master", "push-glob" })
        {
            var run = (await RunsOfAsync(job)).Single();
            Assert.That(run.GetProperty("commitSha").GetString(), Is.EqualTo(GithubFixtures.NewBranchSha), job);
            Assert.That(run.GetProperty("branch").GetString(), Is.EqualTo("master"), job);
            Assert.That(run.GetProperty("trigger").GetProperty("github").GetProperty("event").GetString(), Is.EqualTo("push"), job);
        }
        Assert.That(await RunsOfAsync("push-main"), Is.Empty, "pushes to master do not concern a job of main");
    }

    [Test]
    public async Task When_a_branch_no_job_is_configured_for_is_pushed_Should_trigger_nothing_and_say_why()
    {
        var repository = UniqueRepository("other-branch");
        await CreateGitJobAsync("push-elsewhere", $"https://github.com/{repository}.git", new GithubSettingsRequest { PushBranches = ["main"] });

        var delivery = await DeliveryAsync(await Hooks.SendAsync("push", GithubFixtures.Rehomed(GithubFixtures.PushNewBranch, repository)));

        Assert.That(delivery.Outcome, Is.EqualTo(DeliveryOutcome.Ignored));
        Assert.That(delivery.Reason, Does.Contain("branch 'master'"));
        Assert.That(await RunsOfAsync("push-elsewhere"), Is.Empty);
    }

    [Test]
    public async Task When_a_branch_or_tag_is_deleted_Should_trigger_nothing()
    {
        var repository = UniqueRepository("deleted");
        await CreateGitJobAsync("push-deleted", $"https://github.com/{repository}.git", new GithubSettingsRequest { PushBranches = ["*"], PushTags = true });

        var tag = await DeliveryAsync(await Hooks.SendAsync("push", GithubFixtures.Rehomed(GithubFixtures.PushTagDeleted, repository)));
        var branch = await DeliveryAsync(await Hooks.SendAsync("push", GithubFixtures.BranchDeleted(GithubFixtures.Rehomed(GithubFixtures.PushNewBranch, repository))));

        Assert.That((tag.Outcome, branch.Outcome), Is.EqualTo((DeliveryOutcome.Ignored, DeliveryOutcome.Ignored)));
        Assert.That(tag.Reason, Does.Contain("deleted tag 'simple-tag'"));
        Assert.That(branch.Reason, Does.Contain("deleted branch 'master'"));
        Assert.That(await RunsOfAsync("push-deleted"), Is.Empty);
    }

    [Test]
    public async Task When_a_tag_is_pushed_Should_trigger_only_jobs_configured_for_tags()
    {
        var repository = UniqueRepository("tags");
        await CreateGitJobAsync("tags-off", $"https://github.com/{repository}.git", new GithubSettingsRequest { PushBranches = ["*"] });
        await CreateGitJobAsync("tags-on", $"https://github.com/{repository}.git", new GithubSettingsRequest { PushTags = true });

        var delivery = await DeliveryAsync(await Hooks.SendAsync("push",
            GithubFixtures.TagPushed(GithubFixtures.Rehomed(GithubFixtures.PushTagDeleted, repository), GithubFixtures.NewBranchSha)));

        Assert.That(delivery.Outcome, Is.EqualTo(DeliveryOutcome.Triggered));
        Assert.That(await RunsOfAsync("tags-off"), Is.Empty);
        var run = (await RunsOfAsync("tags-on")).Single();
        Assert.That(run.GetProperty("commitSha").GetString(), Is.EqualTo(GithubFixtures.NewBranchSha));
        Assert.That(run.GetProperty("trigger").GetProperty("github").GetProperty("headRef").GetString(), Is.EqualTo("refs/tags/simple-tag"));
    }
}
