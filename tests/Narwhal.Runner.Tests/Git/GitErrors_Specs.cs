using Narwhal.Runner.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>Locks in how git's messages (git 2.x, LC_ALL=C) become failures; see the table in GitErrors.</summary>
[TestFixture]
public sealed class GitErrors_Specs
{
    [TestCase("fatal: couldn't find remote ref refs/heads/nope", GitFailure.RefNotFound)]
    [TestCase("fatal: remote error: upload-pack: not our ref 0123456789abcdef0123456789abcdef01234567", GitFailure.RefNotFound)]
    [TestCase("error: Server does not allow request for unadvertised object 0123", GitFailure.RefNotFound)]
    [TestCase("fatal: Authentication failed for 'https://example.com/app/'", GitFailure.AuthenticationFailed)]
    [TestCase("fatal: could not read Username for 'https://example.com': terminal prompts disabled", GitFailure.AuthenticationFailed)]
    [TestCase("git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.", GitFailure.AuthenticationFailed)]
    [TestCase("fatal: repository 'https://example.com/nope/' not found", GitFailure.RepositoryNotFound)]
    [TestCase("fatal: '/tmp/x' does not appear to be a git repository", GitFailure.RepositoryNotFound)]
    [TestCase("fatal: unable to access 'https://x/': Could not resolve host: x", GitFailure.Unreachable)]
    [TestCase("fatal: unable to access 'http://127.0.0.1:1/x/': Failed to connect to 127.0.0.1 port 1: Connection refused", GitFailure.Unreachable)]
    [TestCase("ssh: connect to host 127.0.0.1 port 1: Connection refused\nfatal: Could not read from remote repository.", GitFailure.Unreachable)]
    [TestCase("error: RPC failed; HTTP 502 curl 22 The requested URL returned error: 502", GitFailure.Unreachable)]
    [TestCase("fatal: early EOF", GitFailure.Unreachable)]
    [TestCase("fatal: something unforeseen", GitFailure.Failed)]
    public void When_classifying_git_errors_Should_map_each_message_to_its_failure(string stderr, GitFailure failure)
    {
        Assert.That(GitErrors.Classify(stderr), Is.EqualTo(failure));
    }

    [Test]
    public void When_summarising_Should_keep_the_last_lines_where_git_says_why()
    {
        var stderr = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"line {i}")) + "\n";

        Assert.That(GitErrors.Summary(stderr, maxLines: 2), Is.EqualTo("line 9 | line 10"));
        Assert.That(GitErrors.Summary(""), Is.EqualTo("(no error output)"));
    }
}
