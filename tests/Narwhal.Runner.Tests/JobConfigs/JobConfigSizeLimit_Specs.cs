using Narwhal.Runner.Git;
using Narwhal.Runner.JobConfigs;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// One size limit for a job config file: the one docs/job-config.md states is the one the parser
/// applies and the one the Runner reads the file from git with (a larger read limit showed users a
/// second number in its error).
/// </summary>
[TestFixture]
public sealed class JobConfigSizeLimit_Specs
{
    [Test]
    public void When_a_config_file_is_read_from_git_Should_be_held_to_the_parsers_limit()
    {
        Assert.That(GitMirrorCache.MaxFileBytes, Is.EqualTo(JobConfigParser.MaxFileBytes));
    }

    [Test]
    public void When_the_docs_state_the_limit_Should_state_the_codes()
    {
        var docs = File.ReadAllText(RepositoryFiles.PathOf("docs", "job-config.md"));

        Assert.That(docs, Does.Contain($"**At most {JobConfigParser.MaxFileBytes / 1024} KiB**"));
    }
}
