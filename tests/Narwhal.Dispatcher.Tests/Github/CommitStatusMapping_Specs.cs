using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Dispatcher.Github.Statuses;
using NUnit.Framework;

namespace Narwhal.Dispatcher.Tests.Github;

/// <summary>What GitHub shows for each run status: pending while active, success, failure for a failed script, error for every other end.</summary>
[TestFixture]
public sealed class CommitStatusMapping_Specs
{
    private static readonly Uri PublicUrl = new("https://ci.example.com/narwhal/");

    private static CommitStatusUpdate Update(RunStatus status, string? reason = null, int? exitCode = null, string? runner = null) => new()
    {
        Id = 1,
        RunId = Guid.Parse("0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000"),
        CommitSha = new string('a', 40),
        RunStatus = status,
        Attempts = 1,
        JobName = "build",
        RunNumber = 42,
        StatusReason = reason,
        ExitCode = exitCode,
        RunnerId = runner,
        Trigger = new RunTrigger { Kind = TriggerKind.Api },
        Job = new JobSpec { Type = JobType.Freestyle, ResourceClass = "small" },
        StartedAt = DateTimeOffset.Parse("2025-01-01T10:00:00Z"),
        FinishedAt = status.IsTerminal() ? DateTimeOffset.Parse("2025-01-01T10:01:05Z") : null,
    };

    [TestCase(RunStatus.Queued, CommitStatusState.Pending)]
    [TestCase(RunStatus.Running, CommitStatusState.Pending)]
    [TestCase(RunStatus.Succeeded, CommitStatusState.Success)]
    [TestCase(RunStatus.Failed, CommitStatusState.Failure)]
    [TestCase(RunStatus.TimedOut, CommitStatusState.Error)]
    [TestCase(RunStatus.Aborted, CommitStatusState.Error)]
    [TestCase(RunStatus.Lost, CommitStatusState.Error)]
    [TestCase(RunStatus.Error, CommitStatusState.Error)]
    public void When_a_run_has_a_status_Should_map_to_its_github_state(RunStatus status, CommitStatusState state) =>
        Assert.That(CommitStatusMapping.From(Update(status), null).State, Is.EqualTo(state));

    [Test]
    public void When_every_run_status_is_mapped_Should_none_be_missing() =>
        Assert.That(() => Enum.GetValues<RunStatus>().Select(CommitStatusMapping.StateOf).ToList(), Throws.Nothing);

    [Test]
    public void When_a_status_is_built_Should_name_the_job_as_context_and_link_the_run_under_the_public_url()
    {
        var status = CommitStatusMapping.From(Update(RunStatus.Succeeded), PublicUrl);

        Assert.That(status.Context, Is.EqualTo("narwhal/build"));
        Assert.That(status.TargetUrl, Is.EqualTo("https://ci.example.com/narwhal/ui/runs/0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000"));
        Assert.That(status.Description, Is.EqualTo("#42 succeeded in 1 min 5 s"));
        Assert.That(CommitStatusMapping.From(Update(RunStatus.Succeeded), null).TargetUrl, Is.Null, "no public URL, no link");
    }

    [Test]
    public void When_a_run_ends_otherwise_Should_describe_why()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CommitStatusMapping.From(Update(RunStatus.Queued), null).Description, Is.EqualTo("#42 queued"));
            Assert.That(CommitStatusMapping.From(Update(RunStatus.Running, runner: "r1"), null).Description, Is.EqualTo("#42 running on r1"));
            Assert.That(CommitStatusMapping.From(Update(RunStatus.Failed, "The script exited with code 2.", 2), null).Description,
                Is.EqualTo("#42 failed with exit code 2 in 1 min 5 s"));
            Assert.That(CommitStatusMapping.From(Update(RunStatus.TimedOut, "Exceeded its timeout of 600 s."), null).Description,
                Is.EqualTo("#42 timed out: Exceeded its timeout of 600 s"));
            Assert.That(CommitStatusMapping.From(Update(RunStatus.Lost, "runner r1 silent since 10:00:00."), null).Description,
                Is.EqualTo("#42 lost: runner r1 silent since 10:00:00"));
            Assert.That(CommitStatusMapping.From(Update(RunStatus.Aborted), null).Description, Is.EqualTo("#42 aborted"));
        });
    }

    [Test]
    public void When_a_run_waits_for_approval_Should_be_pending_saying_which_step_waits()
    {
        var status = CommitStatusMapping.From(Update(RunStatus.Waiting, "Waiting for approval of step 'deploy'."), null);

        Assert.That((status.State, status.Description), Is.EqualTo((CommitStatusState.Pending, "#42 waiting for approval of step 'deploy'")));
    }

    [Test]
    public void When_the_reason_is_long_or_multiline_Should_fit_githubs_140_characters_on_one_line()
    {
        var reason = ".narwhal.yml:4:1: unknown key\n" + new string('x', 300);

        var description = CommitStatusMapping.From(Update(RunStatus.Error, reason), null).Description;

        Assert.That(description, Has.Length.EqualTo(CommitStatusMapping.MaxDescription));
        Assert.That(description, Does.StartWith("#42 error: .narwhal.yml:4:1: unknown key xxx").And.EndWith("…").And.Not.Contain("\n"));
    }
}
