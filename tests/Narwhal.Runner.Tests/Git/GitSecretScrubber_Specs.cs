using Narwhal.Runner.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>What is masked in git's output before it reaches an exception message or a log.</summary>
[TestFixture]
public sealed class GitSecretScrubber_Specs
{
    [TestCase("fatal: unable to access 'https://bot:tok-123456@git.example.com/app/': 403", "tok-123456", "https://***@git.example.com/app/")]
    [TestCase("fatal: repository 'https://ghp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@github.com/x/' not found", "ghp_AAAA", "https://***@github.com/x/")]
    [TestCase("> Authorization: Basic Ym90OnRvay0xMjM0NTY=", "Ym90OnRvay0xMjM0NTY=", "Authorization: Basic ***")]
    [TestCase("header: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi", "Bearer ***")]
    [TestCase("https://host/app?private_token=glpat-abcdefghijklmnopqrst&x=1", "glpat-", "private_token=***&x=1")]
    [TestCase("password=hunter2", "hunter2", "password=***")]
    [TestCase("leaked ghp_0123456789abcdefghij0123456789abcdef somewhere", "ghp_0123", "leaked *** somewhere")]
    [TestCase("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXktdjEAAAAA", "***")]
    public void When_text_looks_like_it_holds_a_credential_Should_mask_it(string text, string secret, string expected)
    {
        var scrubbed = GitSecretScrubber.Scrub(text);

        Assert.That(scrubbed, Does.Not.Contain(secret).And.Contain(expected));
    }

    [Test]
    public void When_a_known_secret_appears_in_any_shape_Should_mask_it()
    {
        const string token = "plain-looking-value";

        var scrubbed = GitSecretScrubber.Scrub($"error: {token} and {Uri.EscapeDataString(token + "/")}", [token, Uri.EscapeDataString(token + "/")]);

        Assert.That(scrubbed, Is.EqualTo("error: *** and ***"));
    }

    [Test]
    public void When_text_holds_no_credential_Should_leave_it_alone()
    {
        const string text = "fatal: couldn't find remote ref refs/heads/nope | fatal: 'file:///tmp/x' does not appear to be a git repository";

        Assert.That(GitSecretScrubber.Scrub(text), Is.EqualTo(text));
    }
}
