using Narwhal.Api.Ui.Rendering;
using NUnit.Framework;

namespace Narwhal.Ui.Tests.Rendering;

/// <summary>Counts read as English: one of a thing is singular ("1 failure", never "1 failures").</summary>
[TestFixture]
public sealed class Format_Specs
{
    [TestCase(0, "failure", "0 failures")]
    [TestCase(1, "failure", "1 failure")]
    [TestCase(2, "failure", "2 failures")]
    [TestCase(1, "hour", "1 hour")]
    [TestCase(1000, "test", "1000 tests")]
    public void When_a_count_is_worded_Should_agree_in_number(long n, string noun, string expected) =>
        Assert.That(Format.Count(n, noun), Is.EqualTo(expected));
}
