using System.Buffers;
using Narwhal.Runner.Masking;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Masking.MaskingHarness;

namespace Narwhal.Runner.Tests.Masking;

/// <summary>
/// Locks in what the masker replaces in a job's output: every occurrence of every secret, wherever it sits,
/// overlapping secrets as one run so no byte of either leaks, and nothing that merely resembles a secret.
/// </summary>
[TestFixture]
public sealed class SecretMasker_Specs
{
    private const string Secret = "hunter2-correct-horse";

    [Test]
    public void When_a_secret_is_written_Should_replace_it_with_the_mask()
    {
        Assert.That(Mask([Secret], $"token={Secret}; done"), Is.EqualTo("token=***; done"));
    }

    [Test]
    public void When_a_secret_occurs_several_times_Should_mask_every_occurrence()
    {
        Assert.That(Mask([Secret], $"{Secret} and {Secret}\nagain {Secret}."), Is.EqualTo("*** and ***\nagain ***."));
    }

    [TestCase(Secret, "***")]
    [TestCase(Secret + " tail", "*** tail")]
    [TestCase("head " + Secret, "head ***")]
    [TestCase(Secret + "\n", "***\n")]
    public void When_a_secret_is_at_the_start_or_end_of_the_stream_Should_mask_it(string text, string expected)
    {
        Assert.That(Mask([Secret], text), Is.EqualTo(expected));
    }

    [Test]
    public void When_secrets_are_adjacent_Should_mask_each_of_them()
    {
        Assert.That(Mask([Secret, "other-secret-42"], $"[{Secret}other-secret-42]"), Is.EqualTo("[******]"));
        Assert.That(Mask([Secret], $"[{Secret}{Secret}]"), Is.EqualTo("[******]"));
    }

    [Test]
    public void When_adjacent_secrets_could_still_be_the_start_of_a_longer_one_Should_mask_each_or_the_longer_whole()
    {
        string[] secrets = ["111111", "222222", "111111222222333"];

        Assert.That(Mask(secrets, "111111222222xyz"), Is.EqualTo("******xyz"));
        Assert.That(Mask(secrets, "111111222222333"), Is.EqualTo("***"));
    }

    [Test]
    public void When_one_secret_is_a_prefix_of_another_Should_mask_the_longer_one_whole()
    {
        string[] secrets = ["abcdef-123", "abcdef-123456"];

        Assert.That(Mask(secrets, "x abcdef-123456 y"), Is.EqualTo("x *** y"));
        Assert.That(Mask(secrets, "x abcdef-123 y"), Is.EqualTo("x *** y"));
        Assert.That(Mask(secrets, "x abcdef-12345 y"), Is.EqualTo("x ***45 y"));
    }

    [Test]
    public void When_the_end_of_one_secret_is_the_start_of_another_Should_mask_both_as_one_run()
    {
        Assert.That(Mask(["alpha-bravo", "bravo-charlie"], "<alpha-bravo-charlie>"), Is.EqualTo("<***>"));
        Assert.That(Mask(["bravo-charlie", "alpha-bravo"], "<alpha-bravo-charlie>"), Is.EqualTo("<***>"));
    }

    [Test]
    public void When_one_secret_lies_inside_another_Should_mask_the_outer_one_whole()
    {
        Assert.That(Mask(["inner-secret", "outer-inner-secret-outer"], "(outer-inner-secret-outer)"), Is.EqualTo("(***)"));
        Assert.That(Mask(["inner-secret", "outer-inner-secret-outer"], "(outer-inner-secret)"), Is.EqualTo("(outer-***)"));
    }

    [Test]
    public void When_a_secret_overlaps_itself_Should_mask_the_whole_run()
    {
        Assert.That(Mask(["aaaaaa"], "<aaaaaaaaaaa>"), Is.EqualTo("<***>"));
        Assert.That(Mask(["abcabc"], "<abcabcabcab>"), Is.EqualTo("<***ab>"));
    }

    [TestCase("hunter2-correct-hors")]
    [TestCase("unter2-correct-horse")]
    [TestCase("Hunter2-correct-horse")]
    [TestCase("hunter2_correct-horse")]
    [TestCase("hunter2-correct-horsE")]
    [TestCase("hunter2-correct-hors e")]
    [TestCase("hunter2 correct horse")]
    [TestCase("aHVudGVyMi1jb3JyZWN0LWhvcnNm")]
    public void When_text_only_resembles_a_secret_Should_leave_it_alone(string nearMiss)
    {
        var text = $"value: {nearMiss} end";

        Assert.That(Mask([Secret], text), Is.EqualTo(text));
    }

    [Test]
    public void When_values_are_shorter_than_six_characters_Should_ignore_them()
    {
        var masker = new SecretMasker(["12345", "abc", "", null!, "é€🔑"]);

        Assert.That(masker.PatternCount, Is.Zero);
        Assert.That(Text(MaskingHarness.Mask(masker, [Utf8("12345 abc é€🔑")])), Is.EqualTo("12345 abc é€🔑"));
        Assert.That(Mask(["123456"], "id 123456"), Is.EqualTo("id ***"));
    }

    [Test]
    public void When_there_are_no_secrets_Should_pass_output_through_at_once()
    {
        var masker = new SecretMasker([]);
        var output = new ArrayBufferWriter<byte>();

        masker.Write(Utf8("plain output"), output);

        Assert.That(Text(output.WrittenSpan), Is.EqualTo("plain output"));
        Assert.That(masker.HeldBackBytes, Is.Zero);
    }

    [Test]
    public void When_a_secret_is_given_twice_Should_count_its_patterns_once()
    {
        Assert.That(new SecretMasker([Secret, Secret]).PatternCount, Is.EqualTo(new SecretMasker([Secret]).PatternCount));
        Assert.That(new SecretMasker([Secret]).PatternCount, Is.EqualTo(SecretMasker.EncodedForms(Secret).Count));
    }

    [Test]
    public void When_output_cannot_be_the_start_of_a_secret_Should_write_it_without_waiting()
    {
        var masker = new SecretMasker([Secret]);
        var output = new ArrayBufferWriter<byte>();

        masker.Write(Utf8($"step 1 ok, {Secret} used\n"), output);

        Assert.That(Text(output.WrittenSpan), Is.EqualTo("step 1 ok, *** used\n"));
        Assert.That(masker.HeldBackBytes, Is.Zero);
    }

    [Test]
    public void When_the_stream_ends_on_part_of_a_secret_Should_release_it_unmasked_on_flush()
    {
        var masker = new SecretMasker([Secret]);
        var output = new ArrayBufferWriter<byte>();

        masker.Write(Utf8("log: hunter2-cor"), output);
        var beforeFlush = Text(output.WrittenSpan);
        var heldBeforeFlush = masker.HeldBackBytes;
        masker.Flush(output);

        Assert.That(beforeFlush, Is.EqualTo("log: "));
        Assert.That(heldBeforeFlush, Is.EqualTo("hunter2-cor".Length));
        Assert.That(Text(output.WrittenSpan), Is.EqualTo("log: hunter2-cor"));
        Assert.That(masker.HeldBackBytes, Is.Zero);
    }

    [Test]
    public void When_the_stream_ends_right_after_a_secret_Should_write_the_mask_on_flush()
    {
        var masker = new SecretMasker(["abcdef-123", "abcdef-123456"]);
        var output = new ArrayBufferWriter<byte>();

        masker.Write(Utf8("x abcdef-123"), output);
        var beforeFlush = Text(output.WrittenSpan);
        masker.Flush(output);

        Assert.That(beforeFlush, Is.EqualTo("x "), "the longer secret could still follow");
        Assert.That(Text(output.WrittenSpan), Is.EqualTo("x ***"));
    }

    [Test]
    public void When_a_flushed_masker_is_reused_Should_start_a_new_stream()
    {
        var masker = new SecretMasker([Secret]);
        var output = new ArrayBufferWriter<byte>();

        masker.Write(Utf8("hunter2-"), output);
        masker.Flush(output);
        masker.Write(Utf8("correct-horse "), output);
        masker.Write(Utf8(Secret), output);
        masker.Flush(output);

        Assert.That(Text(output.WrittenSpan), Is.EqualTo("hunter2-correct-horse ***"));
    }

    [Test]
    public void When_chunks_are_empty_Should_write_nothing_and_keep_the_state()
    {
        var masker = new SecretMasker([Secret]);
        var output = new ArrayBufferWriter<byte>();

        masker.Write([], output);
        masker.Write(Utf8("a hunter2-"), output);
        masker.Write([], output);
        masker.Write(ReadOnlySpan<byte>.Empty, output);
        masker.Write(Utf8("correct-horse b"), output);
        masker.Flush(output);
        masker.Flush(output);

        Assert.That(Text(output.WrittenSpan), Is.EqualTo("a *** b"));
    }

    [Test]
    public void When_a_secret_contains_multi_byte_characters_Should_mask_it()
    {
        Assert.That(Mask(["pässwörd-€-🔑"], "key=pässwörd-€-🔑;"), Is.EqualTo("key=***;"));
        Assert.That(Mask(["pässwörd-€-🔑"], "key=pässwörd-€-🔒;"), Is.EqualTo("key=pässwörd-€-🔒;"));
    }
}
