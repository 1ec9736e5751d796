using Narwhal.Core.Pipelines;
using Narwhal.Runner.Pipelines;
using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// Locks in <c>when:</c> as a mapping (status, branch, event, changes): how it is read, its refusals at their line and
/// column, how each condition is judged, and what a step left out means for the steps that need it.
/// </summary>
[TestFixture]
public sealed class ConditionConfig_Specs
{
    [Test]
    public void When_when_is_a_mapping_Should_read_its_status_and_conditions_and_a_scalar_still_be_the_status()
    {
        var steps = ParsePipeline(Minimal(
            "steps:",
            "  build: {}",
            "  deploy:",
            "    needs: [build]",
            "    when: { status: always, branch: [main, \"release/*\"], event: push, changes: [\"src/**\"] }",
            "  report:",
            "    needs: [build]",
            "    when: failure")).Steps;

        Assert.Multiple(() =>
        {
            Assert.That(steps[1].When, Is.EqualTo(StepWhen.Always));
            Assert.That(steps[1].Condition!.Branch, Is.EqualTo(new[] { "main", "release/*" }));
            Assert.That(steps[1].Condition!.Event, Is.EqualTo(new[] { "push" }));
            Assert.That(steps[1].Condition!.Changes, Is.EqualTo(new[] { "src/**" }));
            Assert.That(steps[2].When, Is.EqualTo(StepWhen.Failure));
            Assert.That(steps[2].Condition, Is.Null);
            Assert.That(steps[0].Condition, Is.Null);
        });
    }

    [Test]
    public void When_an_event_is_unknown_Should_point_at_it_and_list_the_events()
    {
        AssertFileRefused(Minimal("steps:", "  build:", "    when: { event: [push, tag] }"), 5, 27, "'tag' in 'event' is not an event: push, pull_request, api, manual, schedule");
    }

    [Test]
    public void When_a_when_mapping_has_an_unknown_key_Should_list_the_keys()
    {
        AssertFileRefused(Minimal("steps:", "  build:", "    when: { branches: [main] }"), 5, 13, "unknown key 'branches'", "status, branch, event, changes");
    }

    [Test]
    public void When_a_changes_glob_leaves_the_repository_Should_point_at_it()
    {
        AssertFileRefused(Minimal("steps:", "  build:", "    when: { changes: [\"../x\"] }"), 5, 23, "'changes'");
    }

    [Test]
    public void When_a_status_in_a_mapping_is_unknown_Should_list_the_statuses()
    {
        AssertFileRefused(Minimal("steps:", "  build:", "    when: { status: sometimes }"), 5, 21, "'when' must be one of success, failure, always");
    }

    private static readonly ConditionContext FeaturePush = new("feature/x", StepEvents.Push, ["src/app.cs", "README.md"]);

    [TestCase(new[] { "main" }, null, null, "when.branch: 'feature/x' is not 'main'")]
    [TestCase(new[] { "feature/*" }, null, null, null)]
    [TestCase(null, new[] { "pull_request", "api" }, null, "when.event: the run's event is push, not 'pull_request' or 'api'")]
    [TestCase(null, new[] { "push" }, null, null)]
    [TestCase(null, null, new[] { "docs/**" }, "when.changes: none of the 2 changed path(s) is under 'docs/**'")]
    [TestCase(null, null, new[] { "docs/**", "src/**" }, null)]
    [TestCase(null, null, new[] { "*.md" }, null)]
    public void When_a_condition_is_judged_Should_hold_or_say_which_part_did_not(string[]? branch, string[]? events, string[]? changes, string? unmet)
    {
        var condition = new StepCondition { Branch = branch ?? [], Event = events ?? [], Changes = changes ?? [] };
        Assert.That(StepConditions.Unmet(condition, FeaturePush), unmet is null ? Is.Null : Does.StartWith(unmet));
    }

    [Test]
    public void When_nothing_is_known_of_the_changes_or_branch_Should_run_on_changes_but_not_on_a_branch_rule()
    {
        var unknown = new ConditionContext(null, StepEvents.Api, null);
        Assert.That(StepConditions.Unmet(new StepCondition { Changes = ["docs/**"] }, unknown), Is.Null);
        Assert.That(StepConditions.Unmet(new StepCondition { Branch = ["main"] }, unknown), Does.Contain("the run has no branch"));
    }

    private static PlannedStep Step(string key, StepWhen when = StepWhen.Success, string? skip = null, params string[] needs) => new()
    {
        Key = key,
        Needs = needs,
        ArtifactsFrom = needs,
        When = when,
        ResourceClass = "default",
        SkipReason = skip,
        Definition = new Narwhal.Runner.JobConfigs.JobConfig { Script = ["true"] },
    };

    [Test]
    public void When_a_step_is_left_out_Should_leave_out_success_steps_after_it_and_drop_it_from_always_and_failure_steps()
    {
        var settled = ConditionalSteps.Settle(
        [
            Step("build"),
            Step("deploy", skip: "when.branch: no", needs: "build"),
            Step("smoke", needs: "deploy"),
            Step("after-smoke", needs: "smoke"),
            Step("notify", StepWhen.Always, needs: ["deploy", "build"]),
            Step("rollback", StepWhen.Failure, needs: "deploy"),
            Step("report", StepWhen.Failure, needs: ["deploy", "build"]),
        ]).ToDictionary(s => s.Key);

        Assert.Multiple(() =>
        {
            Assert.That(settled["build"].SkipReason, Is.Null);
            Assert.That(settled["smoke"].SkipReason, Is.EqualTo("Step 'deploy' it needs was left out by its condition."));
            Assert.That(settled["after-smoke"].SkipReason, Is.EqualTo("Step 'smoke' it needs was left out by its condition."), "transitively");
            Assert.That((settled["notify"].SkipReason, settled["notify"].Needs, settled["notify"].ArtifactsFrom),
                Is.EqualTo(((string?)null, new[] { "build" }, new[] { "build" })));
            Assert.That(settled["rollback"].SkipReason, Is.EqualTo("No step it needs runs, so none can fail."));
            Assert.That((settled["report"].SkipReason, settled["report"].Needs), Is.EqualTo(((string?)null, new[] { "build" })));
        });
    }
}
