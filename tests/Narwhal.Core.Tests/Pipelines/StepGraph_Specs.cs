using Narwhal.Core.Pipelines;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// Locks in the graph rules a config file and a freestyle job's JSON share: the first problem in file
/// order, pointing at the step (and the need) it is about, worded for people; and the orders a sound
/// graph is planned and drawn in.
/// </summary>
[TestFixture]
public sealed class StepGraph_Specs
{
    private static StepNode Step(string key, params string[] needs) => new(key, needs, StepWhen.Success);

    private static StepGraphProblem Problem(params StepNode[] steps) =>
        StepGraph.Check(steps) ?? throw new AssertionException("the graph was found sound");

    [Test]
    public void When_the_graph_is_a_diamond_Should_find_no_problem()
    {
        Assert.That(StepGraph.Check([Step("a"), Step("b", "a"), Step("c", "a"), Step("d", "b", "c")]), Is.Null);
    }

    [Test]
    public void When_a_step_needs_an_unknown_step_Should_point_at_that_need()
    {
        Assert.That(Problem(Step("a"), Step("b", "a", "x")),
            Is.EqualTo(new StepGraphProblem(1, 1, "step 'b' needs 'x', which is not a step of this pipeline")));
    }

    [Test]
    public void When_a_step_needs_itself_Should_point_at_that_need()
    {
        Assert.That(Problem(Step("a", "a")), Is.EqualTo(new StepGraphProblem(0, 0, "step 'a' needs itself")));
    }

    [Test]
    public void When_a_need_is_listed_twice_Should_point_at_the_second()
    {
        Assert.That(Problem(Step("a"), Step("b", "a", "a")), Is.EqualTo(new StepGraphProblem(1, 1, "step 'b' lists 'a' twice in 'needs'")));
    }

    [Test]
    public void When_steps_form_a_cycle_Should_name_them_in_the_order_they_would_run_from_the_first_written()
    {
        // c runs before a (a needs c), a before b: written first is c.
        var problem = Problem(Step("lint"), Step("c", "b"), Step("a", "c"), Step("b", "a"));

        Assert.That(problem, Is.EqualTo(new StepGraphProblem(1, null, "steps form a cycle: c → a → b → c")));
    }

    [Test]
    public void When_two_steps_need_each_other_Should_name_both()
    {
        Assert.That(Problem(Step("a", "b"), Step("b", "a")).Message, Is.EqualTo("steps form a cycle: a → b → a"));
    }

    [TestCase("")]
    [TestCase("-build")]
    [TestCase("unit tests")]
    [TestCase("a/b")]
    [TestCase("build\n")]
    public void When_a_key_breaks_the_rule_Should_point_at_the_step(string key)
    {
        var problem = Problem(Step("a"), Step(key));

        Assert.Multiple(() =>
        {
            Assert.That((problem.StepIndex, problem.NeedIndex), Is.EqualTo((1, (int?)null)));
            Assert.That(problem.Message, Does.StartWith($"'{key}' is not a valid step key: ").And.Contain(StepKeys.Rule));
        });
    }

    [Test]
    public void When_a_key_is_64_characters_Should_be_refused_and_63_accepted()
    {
        Assert.That(StepGraph.Check([Step(new string('k', 63))]), Is.Null);
        Assert.That(Problem(Step(new string('k', 64))).Message, Does.Contain("is not a valid step key"));
    }

    [Test]
    public void When_a_key_is_defined_twice_Should_point_at_the_second()
    {
        Assert.That(Problem(Step("a"), Step("b"), Step("a")), Is.EqualTo(new StepGraphProblem(2, null, "step 'a' is defined twice")));
    }

    [Test]
    public void When_there_are_more_than_100_steps_Should_point_at_the_101st()
    {
        var steps = Enumerable.Range(1, PipelineLimits.MaxSteps + 1).Select(i => Step($"s{i}")).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(StepGraph.Check(steps[..PipelineLimits.MaxSteps]), Is.Null, "100 is allowed");
            Assert.That(Problem(steps), Is.EqualTo(new StepGraphProblem(100, null, "a pipeline has at most 100 steps, this one has 101")));
        });
    }

    [Test]
    public void When_there_are_no_steps_Should_say_so()
    {
        Assert.That(Problem().Message, Is.EqualTo("'steps' is empty: give at least one step"));
    }

    [Test]
    public void When_a_failure_step_needs_nothing_Should_point_at_it()
    {
        var problem = Problem(Step("a"), new StepNode("report", [], StepWhen.Failure));

        Assert.Multiple(() =>
        {
            Assert.That((problem.StepIndex, problem.NeedIndex), Is.EqualTo((1, (int?)null)));
            Assert.That(problem.Message, Does.StartWith("step 'report' runs 'when: failure' but needs no step"));
            Assert.That(StepGraph.Check([Step("a"), new StepNode("report", ["a"], StepWhen.Failure)]), Is.Null, "with a need it is sound");
            Assert.That(StepGraph.Check([new StepNode("clean", [], StepWhen.Always)]), Is.Null, "always needs nothing");
        });
    }

    [Test]
    public void When_a_graph_has_several_problems_Should_report_the_first_in_file_order()
    {
        Assert.That(Problem(Step("a", "x"), Step("b", "y")).Message, Does.Contain("'x'"));
    }

    [Test]
    public void When_ordering_Should_place_needs_first_and_file_order_among_the_ready()
    {
        // b needs a, written before it; c too. Once a is placed, b and c are both ready: b comes first.
        var order = StepGraph.Order([Step("b", "a"), Step("a"), Step("c", "a"), Step("d", "c", "b")]);

        Assert.That(order, Is.EqualTo(new[] { 1, 0, 2, 3 }));
    }

    [Test]
    public void When_computing_depths_Should_be_one_more_than_the_deepest_need()
    {
        var depths = StepGraph.Depths([Step("a"), Step("b", "a"), Step("c"), Step("d", "b", "c"), Step("e", "a")]);

        Assert.That(depths, Is.EqualTo(new[] { 0, 1, 0, 2, 1 }));
    }

    [Test]
    public void When_ordering_a_cycle_Should_refuse()
    {
        Assert.Throws<InvalidOperationException>(() => StepGraph.Order([Step("a", "b"), Step("b", "a")]));
    }
}
