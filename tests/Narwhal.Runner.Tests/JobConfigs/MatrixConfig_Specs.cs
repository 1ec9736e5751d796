using Narwhal.Runner.Pipelines;
using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// Locks in <c>matrix:</c> in a config file: what it expands to once planned (instances named by their values,
/// each value in its variable, needs of the step turned into needs of every instance) and its refusals, each
/// at the line and column it is about.
/// </summary>
[TestFixture]
public sealed class MatrixConfig_Specs
{
    private static IReadOnlyList<PlannedStep> Planned(string yaml) =>
        MatrixSteps.Expand([.. ParsePipeline(yaml).Steps.Select(s => (GitSteps.Plan(s, "default"), s.Matrix))]);

    [Test]
    public void When_a_step_has_a_matrix_Should_plan_one_step_per_combination_with_its_values_and_fan_in_after_all()
    {
        var steps = Planned(Minimal(
            "env: { NODE: top, OTHER: kept }",
            "steps:",
            "  build: {}",
            "  test:",
            "    needs: [build]",
            "    matrix:",
            "      axes:",
            "        NODE: [18, 20]",
            "        OS: [bookworm, alpine]",
            "      exclude:",
            "        - { NODE: 18, OS: alpine }",
            "      include:",
            "        - { NODE: 22, OS: bookworm, EXPERIMENTAL: yes }",
            "  report:",
            "    needs: [{ step: test, artifacts: false }, build]",
            "    when: always"));

        var test = steps.Where(s => s.Matrix is not null).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(steps.Select(s => s.Key), Is.EqualTo(new[]
            {
                "build", "test (NODE=18, OS=bookworm)", "test (NODE=20, OS=bookworm)", "test (NODE=20, OS=alpine)",
                "test (NODE=22, OS=bookworm, EXPERIMENTAL=yes)", "report",
            }));
            Assert.That(test.Select(s => s.Needs), Is.All.EqualTo(new[] { "build" }));
            Assert.That(test.Select(s => s.Matrix!.Of), Is.All.EqualTo("test"));
            Assert.That(test[1].Definition.Env["NODE"], Is.EqualTo("20"), "the instance's value wins over the default env");
            Assert.That(test[1].Definition.Env["OS"], Is.EqualTo("bookworm"));
            Assert.That(test[1].Definition.Env["OTHER"], Is.EqualTo("kept"));
            Assert.That(test[3].Definition.Env["EXPERIMENTAL"], Is.EqualTo("yes"));
            Assert.That(steps[^1].Needs, Is.EqualTo(test.Select(s => s.Key).Append("build")), "a need of the step is a need of every instance");
            Assert.That(steps[^1].ArtifactsFrom, Is.EqualTo(new[] { "build" }), "artifacts: false holds for every instance");
        });
    }

    [Test]
    public void When_a_matrix_has_no_axes_Should_point_at_it()
    {
        AssertFileRefused(Minimal("steps:", "  test:", "    matrix:", "      exclude: [{ A: 1 }]"), 6, 7, "the matrix of step 'test' needs 'axes'");
    }

    [Test]
    public void When_an_axis_is_not_a_variable_name_Should_point_at_it()
    {
        AssertFileRefused(Minimal("steps:", "  test:", "    matrix:", "      axes: { node-version: [18] }"), 6, 15,
            "'node-version' in 'axes' is not a matrix variable");
    }

    [Test]
    public void When_a_value_would_make_an_unreadable_name_Should_point_at_it()
    {
        AssertFileRefused(Minimal("steps:", "  test:", "    matrix:", "      axes: { NODE: [18, \"a b\"] }"), 6, 26,
            "'a b' in axis 'NODE' is not a matrix value");
    }

    [Test]
    public void When_an_exclude_names_no_axis_Should_point_at_the_name_and_list_the_axes()
    {
        AssertFileRefused(Minimal("steps:", "  test:", "    matrix:", "      axes: { NODE: [18] }", "      exclude: [{ OS: alpine }]"), 7, 19,
            "'OS' in 'exclude' is not an axis of the matrix (axes: NODE)");
    }

    [Test]
    public void When_a_matrix_makes_more_than_the_limit_Should_say_how_many_at_the_matrix()
    {
        var values = string.Join(", ", Enumerable.Range(0, 11).Select(i => $"{i}"));
        AssertFileRefused(Minimal("steps:", "  test:", "    matrix:", $"      axes: {{ A: [{values}], B: [{values}] }}"), 6, 7,
            "the matrix of step 'test': it makes 121 combinations; a matrix makes at most 100");
    }

    [Test]
    public void When_matrices_together_make_the_pipeline_too_long_Should_say_so_at_the_first_matrix()
    {
        var values = string.Join(", ", Enumerable.Range(0, 60).Select(i => $"{i}"));
        AssertFileRefused(Minimal("steps:", "  a:", "    matrix:", $"      axes: {{ A: [{values}] }}", "  b:", "    matrix:", $"      axes: {{ A: [{values}] }}"),
            5, 5, "with its matrices expanded the pipeline has 120 steps; a pipeline has at most 100");
    }

    [Test]
    public void When_matrix_is_written_at_the_top_of_the_file_Should_say_it_belongs_to_a_step()
    {
        AssertFileRefused(Minimal("matrix:", "  axes: { A: [1] }"), 3, 1, "'matrix' is a key of a step");
    }
}
