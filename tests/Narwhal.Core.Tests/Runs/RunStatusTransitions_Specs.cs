using Narwhal.Core.Runs;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Runs;

/// <summary>Which status may follow which: the table every status-changing statement takes its "from" set from.</summary>
[TestFixture]
public sealed class RunStatusTransitions_Specs
{
    private static readonly RunStatus[] All = Enum.GetValues<RunStatus>();
    private static readonly RunStatus[] Terminal =
        [RunStatus.Succeeded, RunStatus.Failed, RunStatus.TimedOut, RunStatus.Aborted, RunStatus.Lost, RunStatus.Error, RunStatus.Skipped];

    [Test]
    public void When_classified_Should_only_waiting_queued_and_running_be_active()
    {
        Assert.That(All.Where(s => s.IsActive()), Is.EquivalentTo(new[] { RunStatus.Waiting, RunStatus.Queued, RunStatus.Running }));
        Assert.That(All.Where(s => s.IsTerminal()), Is.EquivalentTo(Terminal));
    }

    [TestCaseSource(nameof(Terminal))]
    public void When_a_run_has_ended_Should_refuse_every_transition(RunStatus from)
    {
        Assert.That(All.Where(to => RunStatusTransitions.CanTransition(from, to)), Is.Empty);
    }

    [TestCase(RunStatus.Queued, RunStatus.Running)]
    [TestCase(RunStatus.Queued, RunStatus.Aborted)]
    [TestCase(RunStatus.Queued, RunStatus.Error)]
    [TestCase(RunStatus.Running, RunStatus.Succeeded)]
    [TestCase(RunStatus.Running, RunStatus.Failed)]
    [TestCase(RunStatus.Running, RunStatus.TimedOut)]
    [TestCase(RunStatus.Running, RunStatus.Lost)]
    [TestCase(RunStatus.Running, RunStatus.Queued)]
    [TestCase(RunStatus.Waiting, RunStatus.Queued)]
    [TestCase(RunStatus.Waiting, RunStatus.Skipped)]
    public void When_the_transition_is_in_the_lifecycle_Should_allow_it(RunStatus from, RunStatus to)
    {
        Assert.That(RunStatusTransitions.CanTransition(from, to), Is.True);
    }

    [TestCase(RunStatus.Succeeded, RunStatus.Running)]
    [TestCase(RunStatus.Queued, RunStatus.Succeeded)]
    [TestCase(RunStatus.Queued, RunStatus.Queued)]
    [TestCase(RunStatus.Running, RunStatus.Running)]
    [TestCase(RunStatus.Aborted, RunStatus.Queued)]
    [TestCase(RunStatus.Waiting, RunStatus.Running)]
    [TestCase(RunStatus.Queued, RunStatus.Waiting)]
    [TestCase(RunStatus.Skipped, RunStatus.Queued)]
    public void When_the_transition_skips_or_reopens_Should_refuse_it(RunStatus from, RunStatus to)
    {
        Assert.That(RunStatusTransitions.CanTransition(from, to), Is.False);
    }

    [Test]
    public void When_asked_for_the_sources_of_a_status_Should_list_exactly_the_statuses_that_may_precede_it()
    {
        Assert.That(RunStatusTransitions.SourcesOf(RunStatus.Succeeded), Is.EquivalentTo(new[] { RunStatus.Running }));
        Assert.That(RunStatusTransitions.SourcesOf(RunStatus.Running), Is.EquivalentTo(new[] { RunStatus.Queued }));
        Assert.That(RunStatusTransitions.SourcesOf(RunStatus.Aborted), Is.EquivalentTo(new[] { RunStatus.Queued, RunStatus.Running }));
        Assert.That(RunStatusTransitions.SourcesOf(RunStatus.Queued), Is.EquivalentTo(new[] { RunStatus.Waiting, RunStatus.Running }));
    }

    [Test]
    public void When_sources_are_listed_Should_agree_with_CanTransition_for_every_pair()
    {
        foreach (var to in All)
            Assert.That(RunStatusTransitions.SourcesOf(to), Is.EquivalentTo(All.Where(from => RunStatusTransitions.CanTransition(from, to))),
                $"sources of {to}");
    }
}
