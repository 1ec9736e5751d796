using System.Text;
using Narwhal.Core.Logging;
using Narwhal.Core.Results;
using Narwhal.Runner.Junit;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Junit.JunitXml;

namespace Narwhal.Runner.Tests.Junit;

/// <summary>
/// A report read with a masker keeps no secret in anything it holds: names, messages, output, the file name and the
/// parse error. Masking happens before any cut, so a secret at a limit is masked whole, never kept in part.
/// </summary>
[TestFixture]
public sealed class JunitParser_Masking_Specs
{
    private const string Secret = "s3cr3t-token-value";

    /// <summary>Replaces the one secret; enough to check where the parser masks (the Runner's masker is tested on its own).</summary>
    private sealed class ReplacingMasker : ITextMasker
    {
        public string MaskText(string text) => text.Replace(Secret, "***", StringComparison.Ordinal);

        public int LongestMaskedLength => Secret.Length;
    }

    private static async Task<JunitReport> ParseMaskedAsync(string xml, string fileName = "report.xml")
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return await JunitParser.ParseAsync(stream, fileName, new ReplacingMasker(), CancellationToken.None);
    }

    [Test]
    public async Task When_names_messages_and_output_hold_a_secret_Should_keep_them_masked()
    {
        var xml = Suites(Suite($"suite {Secret}", Case($"case {Secret}", className: $"C{Secret}", content:
        [
            Failure(message: $"expected {Secret}", type: $"T{Secret}", text: $"at {Secret}\nline 2"),
            SystemOut($"out {Secret}"),
            SystemErr($"err {Secret}"),
        ])));

        var report = await ParseMaskedAsync(xml, $"reports/{Secret}.xml");

        var failure = report.Failures.Single();
        Assert.Multiple(() =>
        {
            Assert.That(report.FileName, Is.EqualTo("reports/***.xml"));
            Assert.That(report.Suites.Single().Name, Is.EqualTo("suite ***"));
            Assert.That(failure, Is.EqualTo(new JunitFailure("suite ***", "C***", "case ***", JunitFailure.FailureKind, "expected ***", "T***",
                "at ***\nline 2\n--- system-out ---\nout ***\n--- system-err ---\nerr ***")));
        });
    }

    [Test]
    public async Task When_the_message_comes_from_the_text_Should_mask_it_too()
    {
        var report = await ParseMaskedAsync(Suites(Suite("s", Case("c", content: [Error(text: $"  boom {Secret}\nmore")]))));

        Assert.That(report.Failures.Single().Message, Is.EqualTo("boom ***"));
    }

    [Test]
    public async Task When_a_secret_straddles_a_size_limit_Should_mask_it_whole_and_keep_no_part_of_it()
    {
        // The failure text is kept up to a little over the cap: without a margin the secret would be cut there.
        var text = new string('x', JunitLimits.MaxOutputBytes - 10) + Secret + new string('y', 100);
        var message = new string('m', JunitLimits.MaxMessageBytes - 5) + Secret;
        var name = new string('n', JunitLimits.MaxNameBytes - 5) + Secret;

        var report = await ParseMaskedAsync(Suites(Suite("s", Case(name, content: [Failure(message: message, text: text)]))));

        var failure = report.Failures.Single();
        Assert.Multiple(() =>
        {
            Assert.That(failure.Output, Does.Contain("x***y"));
            Assert.That(failure.Message, Does.EndWith("m***"));
            Assert.That(failure.Name, Does.EndWith("n***"));
            Assert.That(failure.Output + failure.Message + failure.Name, Does.Not.Contain(Secret[..6]));
        });
    }

    [Test]
    public async Task When_a_secret_sits_past_the_kept_text_Should_not_matter()
    {
        var output = new string('x', JunitLimits.MaxOutputBytes + 50) + Secret;

        var failure = (await ParseMaskedAsync(Suites(Suite("s", Case("c", content: [Failure(), SystemOut(output)]))))).Failures.Single();

        Assert.That(failure.Output, Does.Not.Contain(Secret[..6]));
    }

    [Test]
    public async Task When_the_parse_error_quotes_a_secret_Should_mask_the_error()
    {
        var report = await ParseMaskedAsync($"<{Secret}/>");

        Assert.That(report.Parsed, Is.False);
        Assert.That(report.Error, Does.Contain("<***>").And.Not.Contain(Secret));
    }

    [Test]
    public async Task When_read_without_a_masker_Should_keep_the_text_as_it_is()
    {
        var report = await ParseAsync(Suites(Suite("s", Case($"case {Secret}", content: [Failure(message: Secret)]))));

        Assert.That(report.Failures.Single().Message, Is.EqualTo(Secret));
    }
}
