using Narwhal.Core.Jobs;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Jobs;

/// <summary>github.pushBranches and when.branch: exact names, or globs where '*' matches any run of characters ('/' included).</summary>
[TestFixture]
public sealed class BranchPattern_Specs
{
    [TestCase("main", "main", true)]
    [TestCase("main", "Main", false)]
    [TestCase("main", "main2", false)]
    [TestCase("*", "feature/x/y", true)]
    [TestCase("release/*", "release/1.0", true)]
    [TestCase("release/*", "release/1.0/hotfix", true)]
    [TestCase("release/*", "release", false)]
    [TestCase("release/*", "prerelease/1.0", false)]
    [TestCase("*-stable", "v2-stable", true)]
    [TestCase("*-stable", "v2-stable-old", false)]
    [TestCase("a*b*c", "axxbyyc", true)]
    [TestCase("a*b*c", "axxcyyb", false)]
    [TestCase("ma*", "master", true)]
    public void When_a_branch_is_compared_with_a_pattern_Should_match_as_documented(string pattern, string branch, bool matches)
    {
        Assert.That(BranchPattern.Matches(pattern, branch), Is.EqualTo(matches));
    }

    [Test]
    public void When_no_patterns_are_configured_Should_match_nothing()
    {
        Assert.That(BranchPattern.MatchesAny(null, "main"), Is.False);
        Assert.That(BranchPattern.MatchesAny([], "main"), Is.False);
    }
}
