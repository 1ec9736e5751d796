using System.Text;
using Narwhal.Api.Github.Webhooks;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>X-Hub-Signature-256 is checked as GitHub documents it, against every configured secret, in constant time.</summary>
[TestFixture]
public sealed class WebhookSignature_Specs
{
    [Test]
    public void When_GitHubs_documented_test_vector_is_checked_Should_be_valid()
    {
        var (secret, payload, header) = GithubFixtures.TestVector();

        Assert.That(new WebhookSignature([secret]).Check(header, Encoding.UTF8.GetBytes(payload)), Is.EqualTo(SignatureCheck.Valid));
        Assert.That(WebhookSignature.Sign(secret, Encoding.UTF8.GetBytes(payload)), Is.EqualTo(header));
    }

    [Test]
    public void When_several_secrets_are_configured_Should_accept_a_signature_by_any_of_them()
    {
        var (secret, payload, header) = GithubFixtures.TestVector();

        var rotating = new WebhookSignature(["the-new-secret-0123456789", secret]);

        Assert.That(rotating.Check(header, Encoding.UTF8.GetBytes(payload)), Is.EqualTo(SignatureCheck.Valid));
    }

    [Test]
    public void When_the_body_differs_by_one_byte_Should_not_match()
    {
        var (secret, payload, header) = GithubFixtures.TestVector();

        Assert.That(new WebhookSignature([secret]).Check(header, Encoding.UTF8.GetBytes(payload + " ")), Is.EqualTo(SignatureCheck.Mismatch));
    }

    [Test]
    public void When_signed_with_another_secret_Should_not_match()
    {
        var (_, payload, header) = GithubFixtures.TestVector();

        Assert.That(new WebhookSignature(["not-the-secret-at-all"]).Check(header, Encoding.UTF8.GetBytes(payload)), Is.EqualTo(SignatureCheck.Mismatch));
    }

    [TestCase(null, SignatureCheck.Missing)]
    [TestCase("", SignatureCheck.Missing)]
    [TestCase("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", SignatureCheck.Malformed)]
    [TestCase("sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", SignatureCheck.Malformed)]
    [TestCase("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1", SignatureCheck.Malformed)]
    [TestCase("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", SignatureCheck.Malformed)]
    public void When_the_header_is_missing_or_malformed_Should_say_so(string? header, SignatureCheck expected)
    {
        var (secret, payload, _) = GithubFixtures.TestVector();

        Assert.That(new WebhookSignature([secret]).Check(header, Encoding.UTF8.GetBytes(payload)), Is.EqualTo(expected));
    }

    [Test]
    public void When_the_hex_digits_are_upper_case_Should_still_match()
    {
        var (secret, payload, header) = GithubFixtures.TestVector();

        Assert.That(new WebhookSignature([secret]).Check("sha256=" + header["sha256=".Length..].ToUpperInvariant(), Encoding.UTF8.GetBytes(payload)),
            Is.EqualTo(SignatureCheck.Valid));
    }
}
