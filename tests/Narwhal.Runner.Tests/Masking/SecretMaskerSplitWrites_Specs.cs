using Narwhal.Runner.Masking;
using NUnit.Framework;
using static Narwhal.Runner.Tests.Masking.MaskingHarness;

namespace Narwhal.Runner.Tests.Masking;

/// <summary>
/// Locks in that how the output is cut into writes never matters: a secret (in any encoded form) split at
/// any byte, across two, three or a thousand writes, is masked exactly as if it had arrived in one piece,
/// and the result always equals the slow whole-input <see cref="ReferenceMasker"/>.
/// </summary>
[TestFixture]
public sealed class SecretMaskerSplitWrites_Specs
{
    private const string Unicode = "pässwörd-€-🔑-\"quoted\"\\";
    private const string Ascii = "Tr0ub4dor&3 horse+battery/staple?";

    private static IEnumerable<TestCaseData> EveryForm() =>
        new[] { Ascii, Unicode }.SelectMany(secret => SecretMasker.EncodedForms(secret).Select((form, index) =>
            new TestCaseData(secret, form).SetArgDisplayNames($"{(secret == Ascii ? "ascii" : "unicode")} form {index}")));

    [TestCaseSource(nameof(EveryForm))]
    public void When_a_form_is_split_at_every_byte_across_two_writes_Should_mask_it_each_time(string secret, string form)
    {
        var text = Utf8($"before {form} after");
        var whole = MaskingHarness.Mask(new SecretMasker([secret]), [text]);

        Assert.Multiple(() =>
        {
            for (var cut = 0; cut <= text.Length; cut++)
                Assert.That(MaskingHarness.Mask(new SecretMasker([secret]), Split(text, cut)), Is.EqualTo(whole), $"cut at {cut}");
        });
        Assert.That(Text(whole), Is.EqualTo("before *** after"));
    }

    [TestCase(Ascii)]
    [TestCase(Unicode)]
    public void When_a_secret_is_split_across_three_writes_at_every_pair_of_positions_Should_mask_it(string secret)
    {
        var text = Utf8($"<{secret}>");
        var masker = new SecretMasker([secret]);

        Assert.Multiple(() =>
        {
            for (var first = 0; first <= text.Length; first++)
            {
                for (var second = first; second <= text.Length; second++)
                    Assert.That(Text(MaskingHarness.Mask(masker, Split(text, first, second))), Is.EqualTo("<***>"), $"cut at {first} and {second}");
            }
        });
    }

    [TestCase(Ascii)]
    [TestCase(Unicode)]
    public void When_output_arrives_one_byte_at_a_time_Should_mask_every_secret(string secret)
    {
        var text = Utf8($"{secret} middle {secret}{secret} end {secret}");
        var chunks = text.Select(value => new[] { value });

        Assert.That(Text(MaskingHarness.Mask(new SecretMasker([secret]), chunks)), Is.EqualTo("*** middle ****** end ***"));
    }

    [Test]
    public void When_a_multi_byte_character_is_split_between_writes_Should_still_mask_the_secret()
    {
        const string secret = "🔑🔑-€€-密码";
        var text = Utf8($"x{secret}y");
        var keyStart = 1;

        Assert.Multiple(() =>
        {
            for (var cut = keyStart + 1; cut < keyStart + 4; cut++)
                Assert.That(Text(MaskingHarness.Mask(new SecretMasker([secret]), Split(text, cut))), Is.EqualTo("x***y"), $"cut at {cut}");
        });
    }

    [Test]
    public void When_overlapping_secrets_arrive_in_random_pieces_Should_agree_with_the_reference()
    {
        // A two-letter alphabet makes prefixes, overlaps and self-overlaps of secrets common.
        var random = new Random(20240501);
        Assert.Multiple(() =>
        {
            for (var round = 0; round < 400; round++)
            {
                var secrets = Enumerable.Range(0, random.Next(1, 5)).Select(_ => RandomText(random, "ab", random.Next(6, 10))).ToArray();
                var text = Utf8(RandomText(random, "ab\n", random.Next(0, 120)));
                var expected = ReferenceMasker.Mask(text, secrets);

                var actual = MaskingHarness.Mask(new SecretMasker(secrets), RandomChunks(text, random, random.Next(1, 12)));

                Assert.That(Text(actual), Is.EqualTo(Text(expected)), $"round {round}: secrets [{string.Join(", ", secrets)}] text '{Text(text)}'");
            }
        });
    }

    [Test]
    public void When_encoded_secrets_are_mixed_into_output_in_random_pieces_Should_agree_with_the_reference()
    {
        var random = new Random(7);
        string[] secrets = [Ascii, Unicode, "line-one-secret\nline-two-secret", "abcdef-123", "abcdef-123456"];
        var fragments = secrets.SelectMany(SecretMasker.EncodedForms).Concat(["log line ", "\n", "=", "%", "\\", "aGVsbG8=", "abcdef-12"]).ToArray();
        Assert.Multiple(() =>
        {
            for (var round = 0; round < 300; round++)
            {
                var text = Utf8(string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => Cut(fragments[random.Next(fragments.Length)], random))));
                var expected = ReferenceMasker.Mask(text, secrets);

                var actual = MaskingHarness.Mask(new SecretMasker(secrets), RandomChunks(text, random, random.Next(1, 40)));

                Assert.That(actual, Is.EqualTo(expected), $"round {round}: '{Text(text)}'");
            }
        });
    }

    [Test]
    public void When_secrets_are_many_kilobytes_long_Should_agree_with_the_reference()
    {
        // Hundreds of thousands of automaton states, far beyond the dense table's budget of 2^20 entries
        // (at most ~16,000 dense states with this alphabet): deep states take the sparse path. The periodic
        // secret's failure links lead from sparse states to sparse states, through long chains on a mismatch.
        var random = new Random(5);
        var randomSecret = RandomText(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 30_000);
        var periodic = string.Concat(Enumerable.Repeat("abcdefgh-", 1_500));
        string[] secrets = [randomSecret, periodic];
        var fragments = secrets.SelectMany(SecretMasker.EncodedForms)
            .Concat([string.Concat(Enumerable.Repeat("abcdefgh-", 1_700)), string.Concat(Enumerable.Repeat("abcdefgh-", 900)) + "X", " log "])
            .ToArray();
        var masker = new SecretMasker(secrets);
        Assert.Multiple(() =>
        {
            for (var round = 0; round < 8; round++)
            {
                var text = Utf8(string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => Cut(fragments[random.Next(fragments.Length)], random))));
                var expected = ReferenceMasker.Mask(text, secrets);

                var actual = MaskingHarness.Mask(masker, RandomChunks(text, random, random.Next(1, 5_000)));

                Assert.That(actual, Is.EqualTo(expected), $"round {round}");
                Assert.That(actual.Length, Is.LessThan(text.Length).Or.EqualTo(text.Length), $"round {round}");
            }
        });
        Assert.That(masker.LongestPatternLength, Is.GreaterThan(40_000));
    }

    private static string RandomText(Random random, string alphabet, int length) =>
        new(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());

    /// <summary>Mostly the whole fragment, sometimes only a prefix: near misses that must stay.</summary>
    private static string Cut(string fragment, Random random) =>
        random.Next(4) == 0 && fragment.Length > 1 ? fragment[..random.Next(1, fragment.Length)] : fragment;
}
