using System.Buffers;
using System.Text;
using Narwhal.Runner.Masking;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Masking.MaskingHarness;

namespace Narwhal.Runner.Tests.Masking;

/// <summary>
/// Locks in that memory stays bounded whatever the log: at most the longest pattern minus one byte is held
/// back, even through an endless run of overlapping occurrences.
/// </summary>
[TestFixture]
public sealed class SecretMaskerMemory_Specs
{
    private const string Secret = "hunter2-correct-horse";

    [Test]
    public void When_output_ends_in_a_growing_prefix_of_a_secret_Should_hold_back_exactly_that_prefix()
    {
        var masker = new SecretMasker([Secret]);
        var output = new ArrayBufferWriter<byte>();
        masker.Write(Utf8("log: "), output);

        Assert.Multiple(() =>
        {
            foreach (var value in Utf8(Secret)[..^1])
            {
                masker.Write([value], output);
                Assert.That(Text(output.WrittenSpan), Is.EqualTo("log: "));
                Assert.That(masker.HeldBackBytes, Is.LessThan(masker.LongestPatternLength));
            }
        });
        Assert.That(masker.HeldBackBytes, Is.EqualTo(Secret.Length - 1));
    }

    [Test]
    public void When_random_output_is_written_in_random_pieces_Should_never_hold_back_a_whole_pattern()
    {
        var random = new Random(11);
        string[] secrets = ["abab-abab", "ab-ab-ab-ab-ab", Secret];
        var fragments = secrets.SelectMany(SecretMasker.EncodedForms).Concat(["ab", "-", "a", " "]).ToArray();
        var masker = new SecretMasker(secrets);
        var output = new ArrayBufferWriter<byte>();
        var maximumHeld = 0;

        for (var round = 0; round < 20_000; round++)
        {
            var fragment = fragments[random.Next(fragments.Length)];
            var bytes = Utf8(fragment[..random.Next(1, fragment.Length + 1)]);
            foreach (var chunk in RandomChunks(bytes, random, 7))
            {
                masker.Write(chunk, output);
                maximumHeld = Math.Max(maximumHeld, masker.HeldBackBytes);
            }
        }

        Assert.That(maximumHeld, Is.LessThanOrEqualTo(masker.LongestPatternLength - 1));
        TestContext.Out.WriteLine($"held back at most {maximumHeld} of {masker.LongestPatternLength} bytes");
    }

    [Test]
    public void When_a_self_overlapping_secret_repeats_endlessly_Should_hold_nothing_and_write_one_mask()
    {
        var masker = new SecretMasker(["aaaaaa"]);
        var output = new ArrayBufferWriter<byte>();
        var chunk = Encoding.ASCII.GetBytes(new string('a', 4096));

        masker.Write(Utf8("start "), output);
        for (var index = 0; index < 256; index++)
        {
            masker.Write(chunk, output);
            Assert.That(masker.HeldBackBytes, Is.LessThanOrEqualTo(5));
        }
        masker.Write(Utf8(" end"), output);
        masker.Flush(output);

        Assert.That(Text(output.WrittenSpan), Is.EqualTo("start *** end"));
    }

    [Test]
    public void When_a_secret_is_complete_and_nothing_can_follow_it_Should_hold_nothing_back()
    {
        var masker = new SecretMasker([Secret]);
        var output = new ArrayBufferWriter<byte>();

        masker.Write(Utf8($"a {Secret} b\n"), output);

        Assert.That(masker.HeldBackBytes, Is.Zero);
        Assert.That(Text(output.WrittenSpan), Is.EqualTo("a *** b\n"));
    }
}
