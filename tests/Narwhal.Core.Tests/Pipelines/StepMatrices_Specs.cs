using Narwhal.Core.Pipelines;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>Locks in how a matrix expands: order, exclude, include, names, and the limits a config and a freestyle job share.</summary>
[TestFixture]
public sealed class StepMatrices_Specs
{
    private static StepMatrix Matrix(params (string Name, string[] Values)[] axes) =>
        new() { Axes = [.. axes.Select(a => new MatrixAxis(a.Name, a.Values))] };

    private static IReadOnlyList<string> Keys(StepMatrix matrix) =>
        [.. StepMatrices.Expand(matrix).Select(c => StepMatrices.InstanceKey("test", c))];

    [Test]
    public void When_two_axes_expand_Should_vary_the_first_slowest_and_name_each_instance_in_axis_order()
    {
        Assert.That(Keys(Matrix(("node", ["18", "20"]), ("os", ["bookworm", "alpine"]))), Is.EqualTo(new[]
        {
            "test (node=18, os=bookworm)", "test (node=18, os=alpine)", "test (node=20, os=bookworm)", "test (node=20, os=alpine)",
        }));
    }

    [Test]
    public void When_an_entry_is_excluded_Should_leave_out_every_combination_with_all_its_values()
    {
        var matrix = Matrix(("node", ["18", "20"]), ("os", ["bookworm", "alpine"])) with
        {
            Exclude = [new Dictionary<string, string> { ["os"] = "alpine", ["node"] = "18" }],
        };
        Assert.That(Keys(matrix), Is.EqualTo(new[] { "test (node=18, os=bookworm)", "test (node=20, os=bookworm)", "test (node=20, os=alpine)" }));
    }

    [Test]
    public void When_an_entry_is_included_Should_add_it_once_axes_first_then_its_own_names()
    {
        var matrix = Matrix(("node", ["18"]), ("os", ["bookworm"])) with
        {
            Include =
            [
                new Dictionary<string, string> { ["EXPERIMENTAL"] = "1", ["os"] = "alpine", ["node"] = "22" },
                new Dictionary<string, string> { ["os"] = "bookworm", ["node"] = "18" },
            ],
        };
        Assert.That(Keys(matrix), Is.EqualTo(new[] { "test (node=18, os=bookworm)", "test (node=22, os=alpine, EXPERIMENTAL=1)" }));
    }

    [Test]
    public void When_an_instance_key_is_made_Should_be_recognised_as_one_and_a_written_key_not()
    {
        var key = StepMatrices.InstanceKey("build", new MatrixCombination([new("PLATFORM", "linux/amd64"), new("GO", "1.23")]));
        Assert.Multiple(() =>
        {
            Assert.That(key, Is.EqualTo("build (PLATFORM=linux/amd64, GO=1.23)"));
            Assert.That(StepMatrices.IsInstanceKey(key), Is.True);
            Assert.That(StepKeys.MayExist(key), Is.True);
            Assert.That(StepMatrices.IsInstanceKey("build"), Is.False);
            Assert.That(StepMatrices.IsInstanceKey("build (GO=1.23"), Is.False);
            Assert.That(StepKeys.FromRoute("build (PLATFORM=linux%2Famd64, GO=1.23)"), Is.EqualTo(key));
        });
    }

    [TestCase("NODE", true)]
    [TestCase("_x1", true)]
    [TestCase("1x", false)]
    [TestCase("CI", false)]
    [TestCase("NARWHAL_STEP", false)]
    [TestCase("node-version", false)]
    public void When_a_name_is_checked_Should_accept_only_variable_names_Narwhal_does_not_set(string name, bool valid)
    {
        Assert.That(StepMatrices.IsName(name), Is.EqualTo(valid));
    }

    [TestCase("20", true)]
    [TestCase("linux/arm64", true)]
    [TestCase("node:20-alpine", true)]
    [TestCase("a b", false)]
    [TestCase("x=y", false)]
    [TestCase("a,b", false)]
    [TestCase("", false)]
    public void When_a_value_is_checked_Should_refuse_what_would_make_a_name_unreadable(string value, bool valid)
    {
        Assert.That(StepMatrices.IsValue(value), Is.EqualTo(valid));
    }

    [Test]
    public void When_a_matrix_is_too_big_or_empty_Should_say_why()
    {
        var huge = Matrix(("A", [.. Enumerable.Range(0, 101).Select(i => $"{i}")]));
        var astronomic = Matrix([.. Enumerable.Range(0, 6).Select(i => ($"A{i}", Enumerable.Range(0, 10).Select(v => $"{v}").ToArray()))]);
        var empty = Matrix(("A", ["1"])) with { Exclude = [new Dictionary<string, string> { ["A"] = "1" }] };
        Assert.Multiple(() =>
        {
            Assert.That(StepMatrices.Problem(huge, out _), Does.Contain("makes 101 combinations; a matrix makes at most 100"));
            Assert.That(StepMatrices.Problem(astronomic, out _), Does.Contain("more than 10,000 combinations"));
            Assert.That(StepMatrices.Problem(empty, out _), Does.Contain("every combination is excluded"));
            Assert.That(StepMatrices.Problem(Matrix(("A", ["1", "2"])), out var combinations), Is.Null);
            Assert.That(combinations, Has.Count.EqualTo(2));
        });
    }
}
